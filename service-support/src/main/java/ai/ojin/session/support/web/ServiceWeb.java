package ai.ojin.session.support.web;

import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * What every service with a web layer imports: the served API document, the JSON error controller
 * and the mapping of Spring's own errors. Each service registers its {@link AccessFilter} with its
 * own public list and token.
 */
@Configuration(proxyBeanMethods = false)
@Import({OpenApiDocumentController.class, JsonErrorController.class, WebErrors.class})
public class ServiceWeb {
}
