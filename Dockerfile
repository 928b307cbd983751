# One image recipe for every service: docker compose builds it once per service with MODULE set.
# Untested here (no Docker engine on the build machines); see docs/operations.md, "docker-compose".
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q package -DskipTests

FROM eclipse-temurin:17-jre
ARG MODULE
COPY --from=build /src/${MODULE}/target/${MODULE}-*-exec.jar /app/app.jar
RUN useradd --system app && mkdir -p /app/state && chown app /app/state
USER app
WORKDIR /app
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/app.jar"]
