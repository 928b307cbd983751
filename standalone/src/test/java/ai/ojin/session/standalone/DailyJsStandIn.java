package ai.ojin.session.standalone;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A stand-in of Daily's JavaScript library for the widget tests (the real one comes from Daily's
 * CDN, which tests neither reach nor need): the same entry points the page uses,
 * {@code DailyIframe.createFrame(parent, properties).join({url, token})}, recording every join in
 * {@code window.dailyJoins} and showing a placeholder where Daily's call frame would be.
 */
final class DailyJsStandIn {

    private static final String SCRIPT = """
            window.dailyJoins = [];
            window.DailyIframe = {
              createFrame: function (parent) {
                return {
                  join: function (options) {
                    window.dailyJoins.push({ url: options.url, token: options.token });
                    var frame = document.createElement('p');
                    frame.id = 'daily-stand-in';
                    frame.textContent = 'Daily call frame (test stand-in)';
                    parent.appendChild(frame);
                    return Promise.resolve({});
                  }
                };
              }
            };
            """;

    /** The script as a {@code data:} URL, loaded like Daily's CDN script. */
    static final String URL = "data:text/javascript;base64,"
            + Base64.getEncoder().encodeToString(SCRIPT.getBytes(StandardCharsets.UTF_8));

    private DailyJsStandIn() {
    }
}
