package ai.ojin.session.history.query;

import ai.ojin.session.events.history.CallRecord;
import java.util.List;

/** {@code {"items": [...], "next_cursor": ...}}; next_cursor is null on the last page. */
public record HistoryResponse(List<CallRecord> items, String nextCursor) {
}
