package ai.ojin.session.room.daily;

import ai.ojin.session.room.http.Deadline;
import java.util.concurrent.CompletableFuture;

/** Issues room-scoped meeting tokens: signed here, or minted by Daily's {@code POST /meeting-tokens}. */
public interface MeetingTokens {

    /** @return the token (a secret: never log it) */
    CompletableFuture<String> issue(MeetingTokenRequest request, Deadline deadline);

    /** Daily mints every token ({@code POST /meeting-tokens}): one REST call each. */
    static MeetingTokens minted(DailyApi daily) {
        return daily::mintToken;
    }
}
