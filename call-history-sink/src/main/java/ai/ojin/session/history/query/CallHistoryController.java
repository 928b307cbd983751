package ai.ojin.session.history.query;

import ai.ojin.session.events.history.CallRecord;
import ai.ojin.session.history.call.CallState;
import ai.ojin.session.history.store.CallStore;
import ai.ojin.session.history.store.HistoryPage;
import ai.ojin.session.history.store.HistoryPage.Position;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /v1/call-history}: finished calls, newest first (requested_at, then session_id),
 * filtered by client_user_ref, agent_id and a requested_at range [from, to), paged by an opaque
 * keyset cursor. Calls still in progress are not listed.
 */
@RestController
class CallHistoryController {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;
    private static final int MAX_FILTER_LENGTH = 256;

    private final CallStore store;

    CallHistoryController(CallStore store) {
        this.store = store;
    }

    @GetMapping(path = "/v1/call-history", produces = "application/json")
    HistoryResponse list(
            @RequestParam(name = "client_user_ref", required = false) String clientUserRef,
            @RequestParam(name = "agent_id", required = false) String agentId,
            @RequestParam(name = "from", required = false) String from,
            @RequestParam(name = "to", required = false) String to,
            @RequestParam(name = "limit", required = false) String limit,
            @RequestParam(name = "cursor", required = false) String cursor) {
        Instant fromInstant = instant("from", from);
        Instant toInstant = instant("to", to);
        if (fromInstant != null && toInstant != null && fromInstant.isAfter(toInstant)) {
            throw new InvalidRequestException("from must not be after to");
        }
        int pageSize = limit(limit);
        Position after = blank(cursor) ? null : Cursor.decode(cursor);
        HistoryPage page = new HistoryPage(filter("client_user_ref", clientUserRef), filter("agent_id", agentId),
                fromInstant, toInstant, after, pageSize + 1);

        List<CallState> calls = store.finishedCalls(page);
        List<CallState> shown = calls.size() > pageSize ? calls.subList(0, pageSize) : calls;
        String next = null;
        if (calls.size() > pageSize) {
            CallState last = shown.get(shown.size() - 1);
            next = Cursor.encode(new Position(last.requestedAt(), last.sessionId()));
        }
        List<CallRecord> items = shown.stream().map(CallState::toCallRecord).toList();
        return new HistoryResponse(items, next);
    }

    private static Instant instant(String name, String value) {
        if (blank(value)) {
            return null;
        }
        try {
            return DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(value, OffsetDateTime::from).toInstant();
        } catch (DateTimeParseException e) {
            throw new InvalidRequestException(name + " must be an ISO-8601 timestamp with an offset, e.g. "
                    + "2026-01-31T12:00:00Z");
        }
    }

    private static int limit(String value) {
        if (blank(value)) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(value.trim());
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidRequestException("limit must be an integer from 1 to " + MAX_LIMIT);
    }

    private static String filter(String name, String value) {
        if (blank(value)) {
            return null;
        }
        if (value.length() > MAX_FILTER_LENGTH) {
            throw new InvalidRequestException(name + " must be at most " + MAX_FILTER_LENGTH + " characters");
        }
        return value;
    }

    private static boolean blank(String value) {
        return value == null || value.isEmpty();
    }
}
