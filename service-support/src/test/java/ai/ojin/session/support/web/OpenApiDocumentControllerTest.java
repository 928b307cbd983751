package ai.ojin.session.support.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.http.CacheControl;

class OpenApiDocumentControllerTest {

    @Test
    void shouldServeExactlyTheCheckedInDocument() throws Exception {
        // given: the one copy in the repository (tests run in the module's directory)
        byte[] checkedIn = Files.readAllBytes(Path.of("..", "docs", "openapi.yaml"));

        // when
        var response = new OpenApiDocumentController().document();

        // then
        assertThat(response.getStatusCode().value()).isEqualTo(200);
        assertThat(response.getHeaders().getContentType()).isEqualTo(OpenApiDocumentController.APPLICATION_YAML);
        assertThat(response.getHeaders().getCacheControl()).isEqualTo(CacheControl.noCache().getHeaderValue());
        assertThat(response.getBody()).isEqualTo(checkedIn);
    }
}
