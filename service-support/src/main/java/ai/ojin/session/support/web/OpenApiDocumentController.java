package ai.ojin.session.support.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /openapi.yaml}: the API document, exactly as checked in at {@code docs/openapi.yaml}
 * (copied next to this class at build time; one copy in the repository). Public: no path guarded
 * by the admin token starts with it. Each service with a web layer imports this controller.
 */
@RestController
public class OpenApiDocumentController {

    public static final String PATH = "/openapi.yaml";
    public static final MediaType APPLICATION_YAML = MediaType.parseMediaType("application/yaml");
    static final String RESOURCE = "openapi.yaml";

    private final byte[] document = load();

    @GetMapping(PATH)
    public ResponseEntity<byte[]> document() {
        return ResponseEntity.ok().contentType(APPLICATION_YAML).cacheControl(CacheControl.noCache()).body(document);
    }

    /** The packaged document; a build that did not package it fails at startup, not at the first call. */
    static byte[] load() {
        try (InputStream in = OpenApiDocumentController.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the classpath next to "
                        + OpenApiDocumentController.class.getName() + " (it is copied from docs/ at build time)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
