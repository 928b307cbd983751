package ai.ojin.session.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The fake's rate limits (Daily's published ones, per endpoint family) and its room update, on a ticker of the test's own. */
class FakeDailyTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final AtomicLong nanos = new AtomicLong();
    private final FakeDaily daily = new FakeDaily("key", nanos::get);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void close() {
        daily.close();
    }

    @Test
    void shouldAnswer429WithDailysBodyAndRetryAfterToTheTwentyFirstStandardRequestWithinASecond() throws Exception {
        // given: 20 standard requests in the same second
        for (int i = 0; i < 20; i++) {
            assertThat(call("GET", "/rooms", null).statusCode()).isEqualTo(200);
        }

        // when: a 21st comes 999 ms after them
        advance(Duration.ofMillis(999));
        HttpResponse<String> limited = call("GET", "/rooms", null);

        // then: 429 with Daily's error body and when to retry, counted for the standard family
        assertThat(limited.statusCode()).isEqualTo(429);
        JsonNode body = JSON.readTree(limited.body());
        assertThat(body.path("error").asString()).isEqualTo("rate-limit-error");
        assertThat(body.path("info").asString()).isNotBlank();
        assertThat(limited.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(daily.rateLimited(FakeDaily.Family.STANDARD)).isEqualTo(1);
        assertThat(daily.rateLimited(FakeDaily.Family.DELETE)).isZero();

        // and: a second after the first 20, requests pass again
        advance(Duration.ofMillis(1));
        assertThat(call("GET", "/rooms", null).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAllowTwoRoomDeletesPerSecondOnTopOfTheStandardFamily() throws Exception {
        // given: 20 standard requests and 4 rooms
        for (int i = 0; i < 4; i++) {
            daily.addRoom("room-" + i, Instant.now(), Map.of());
        }
        for (int i = 0; i < 20; i++) {
            assertThat(call("GET", "/rooms/room-0", null).statusCode()).isEqualTo(200);
        }

        // when: three deletes in the same second
        int first = call("DELETE", "/rooms/room-0", null).statusCode();
        int second = call("DELETE", "/rooms/room-1", null).statusCode();
        HttpResponse<String> third = call("DELETE", "/rooms/room-2", null);

        // then: two pass (the standard family being full does not matter), the third is limited
        assertThat(first).isEqualTo(200);
        assertThat(second).isEqualTo(200);
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(daily.rateLimited(FakeDaily.Family.DELETE)).isEqualTo(1);
        assertThat(daily.liveRoomNames()).containsExactlyInAnyOrder("room-2", "room-3");
    }

    @Test
    void shouldAllowFiftyRoomDeletesPerThirtySecondsEvenAtTwoPerSecond() throws Exception {
        // given: 50 deletes, two every second (within the per-second limit), over 25 s
        for (int i = 0; i < 50; i++) {
            if (i > 0 && i % 2 == 0) {
                advance(Duration.ofSeconds(1));
            }
            assertThat(call("DELETE", "/rooms/gone-" + i, null).statusCode()).as("delete %d", i).isEqualTo(404);
        }

        // when: another one 5 s later, at 29 s (nothing in the last second)
        advance(Duration.ofSeconds(5));
        HttpResponse<String> limited = call("DELETE", "/rooms/gone-50", null);

        // then: the 30-second window is full until the first deletes are 30 s old, a second later
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).hasValue("1");
        advance(Duration.ofSeconds(1));
        assertThat(call("DELETE", "/rooms/gone-50", null).statusCode()).isEqualTo(404);
    }

    @Test
    void shouldCountOnlyAcceptedRequestsInTheWindows() throws Exception {
        // given: a full second of standard requests, and 5 more refused
        for (int i = 0; i < 20; i++) {
            call("GET", "/rooms", null);
        }
        for (int i = 0; i < 5; i++) {
            assertThat(call("GET", "/rooms", null).statusCode()).isEqualTo(429);
        }

        // when: a second later
        advance(Duration.ofSeconds(1));

        // then: a full second's worth passes again (the refused ones took nothing)
        for (int i = 0; i < 20; i++) {
            assertThat(call("GET", "/rooms", null).statusCode()).isEqualTo(200);
        }
        assertThat(daily.rateLimited(FakeDaily.Family.STANDARD)).isEqualTo(5);
    }

    @Test
    void shouldServeABurstWhenDailysLimitsAreOff() throws Exception {
        // given
        daily.withoutDailyRateLimits();

        // when: twice Daily's standard limit and thrice its delete limit at the same instant
        long served = 0;
        for (int i = 0; i < 40; i++) {
            served += call("GET", "/rooms", null).statusCode() == 200 ? 1 : 0;
        }
        for (int i = 0; i < 6; i++) {
            served += call("DELETE", "/rooms/none-" + i, null).statusCode() == 404 ? 1 : 0;
        }

        // then
        assertThat(served).isEqualTo(46);
        assertThat(daily.rateLimited(FakeDaily.Family.STANDARD) + daily.rateLimited(FakeDaily.Family.DELETE)).isZero();
    }

    @Test
    void shouldCloseARoomByUpdatingItsExpAndAnswer404ForAnUnknownRoom() throws Exception {
        // given: an open room
        long inAnHour = Instant.now().getEpochSecond() + 3600;
        daily.addRoom("room-a", Instant.now(), Map.of("exp", inAnHour));
        assertThat(daily.isOpen("room-a")).isTrue();
        assertThat(daily.openRoomNames()).containsExactly("room-a");

        // when: its exp is set to a second ago, ejecting whoever is in it
        long past = Instant.now().getEpochSecond() - 1;
        HttpResponse<String> updated = call("POST", "/rooms/room-a",
                "{\"properties\":{\"exp\":" + past + ",\"eject_at_room_exp\":true}}");

        // then: Daily's room comes back with the new config; the room exists but is closed
        assertThat(updated.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(updated.body()).path("config").path("exp").asLong()).isEqualTo(past);
        FakeDaily.Room room = daily.room("room-a").orElseThrow();
        assertThat(room.exp()).isEqualTo(past);
        assertThat(room.ejectAtRoomExp()).isTrue();
        assertThat(daily.liveRoomNames()).containsExactly("room-a");
        assertThat(daily.isOpen("room-a")).isFalse();
        assertThat(daily.openRoomNames()).isEmpty();

        // and: an unknown room is Daily's 404 not-found, a bad exp a 400
        HttpResponse<String> unknown = call("POST", "/rooms/no-such-room", "{\"properties\":{\"exp\":1}}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).path("error").asString()).isEqualTo("not-found");
        assertThat(call("POST", "/rooms/room-a", "{\"properties\":{\"exp\":\"soon\"}}").statusCode()).isEqualTo(400);
    }

    @Test
    void shouldListCreatedRoomsByNameAndClearFaultsAndLatencyButNotTheRequestLog() throws Exception {
        // given: a failure scripted for two room creations and a latency
        daily.failNext("POST", "/v1/rooms", 2, Fault.status(500));
        daily.setLatency(Duration.ofMillis(1));
        assertThat(call("POST", "/rooms", "{\"name\":\"room-x\"}").statusCode()).isEqualTo(500);

        // when: the faults are cleared
        daily.clearFaults();

        // then: creations pass again, at no added latency; a name created, refused (it exists) and created again
        // after a delete is listed once per creation; the request log keeps every call
        assertThat(daily.latency()).isZero();
        assertThat(call("POST", "/rooms", "{\"name\":\"room-x\"}").statusCode()).isEqualTo(200);
        assertThat(call("POST", "/rooms", "{\"name\":\"room-x\"}").statusCode()).isEqualTo(400);
        assertThat(call("POST", "/rooms", "{\"name\":\"room-y\"}").statusCode()).isEqualTo(200);
        assertThat(call("DELETE", "/rooms/room-x", null).statusCode()).isEqualTo(200);
        assertThat(call("POST", "/rooms", "{\"name\":\"room-x\"}").statusCode()).isEqualTo(200);
        assertThat(daily.createdRoomNames()).containsExactly("room-x", "room-y", "room-x");
        assertThat(daily.roomsCreated()).isEqualTo(3);
        assertThat(daily.requestCount("POST", "/v1/rooms")).isEqualTo(5);
    }

    private void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(daily.baseUrl() + path))
                .header("Authorization", "Bearer " + daily.apiKey())
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
