package ai.ojin.session.history.store;

import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.history.call.CallState;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Repository;

/**
 * The SQL store of call records, in portable SQL (H2 and PostgreSQL). Writers lock the rows they
 * fold into ({@code SELECT ... FOR UPDATE}) and write them back in JDBC batches: an insert for a
 * new session, an update for a known one. Two writers racing to insert the same new session (only
 * possible for a moment during a consumer-group rebalance) make one transaction fail on the
 * primary key; the listener retries the batch, which then merges into the row the other wrote.
 */
@Repository
public class CallStore {

    private static final int CHUNK = 200;
    private static final String COLUMNS = "session_id, agent_id, client_user_ref, origin, outcome, error_code, "
            + "requested_at, started_at, ended_at, end_reason, duration_seconds, room_name, facts, progress, "
            + "publish_pending, updated_at";
    private static final String INSERT = "INSERT INTO call_record (" + COLUMNS + ") "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String UPDATE = "UPDATE call_record SET agent_id = ?, client_user_ref = ?, origin = ?, "
            + "outcome = ?, error_code = ?, requested_at = ?, started_at = ?, ended_at = ?, end_reason = ?, "
            + "duration_seconds = ?, room_name = ?, facts = ?, progress = ?, publish_pending = ?, updated_at = ? "
            + "WHERE session_id = ?";

    private final JdbcTemplate jdbc;
    private final Clock clock;

    /** @param clock what {@code updated_at} reads */
    public CallStore(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** The stored rows of these sessions, locked until the surrounding transaction ends. */
    public Map<String, StoredCall> lock(Collection<String> sessionIds) {
        Map<String, StoredCall> found = new HashMap<>();
        for (List<String> chunk : chunks(new ArrayList<>(sessionIds))) {
            String sql = "SELECT " + COLUMNS + " FROM call_record WHERE session_id IN ("
                    + String.join(", ", Collections.nCopies(chunk.size(), "?")) + ") FOR UPDATE";
            jdbc.query(sql, ROW, chunk.toArray()).forEach(row -> found.put(row.state().sessionId(), row));
        }
        return found;
    }

    public void insert(List<StoredCall> rows) {
        Instant now = clock.instant();
        jdbc.batchUpdate(INSERT, rows, CHUNK, (ps, row) -> {
            ps.setString(1, row.state().sessionId());
            bindState(ps, 2, row, now);
        });
    }

    public void update(List<StoredCall> rows) {
        Instant now = clock.instant();
        jdbc.batchUpdate(UPDATE, rows, CHUNK, (ps, row) -> {
            int next = bindState(ps, 1, row, now);
            ps.setString(next, row.state().sessionId());
        });
    }

    /** Finished calls, newest first (requested_at, then session_id, both descending). */
    public List<CallState> finishedCalls(HistoryPage page) {
        StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS)
                .append(" FROM call_record WHERE outcome IS NOT NULL");
        List<Object> args = new ArrayList<>();
        if (page.clientUserRef() != null) {
            sql.append(" AND client_user_ref = ?");
            args.add(page.clientUserRef());
        }
        if (page.agentId() != null) {
            sql.append(" AND agent_id = ?");
            args.add(page.agentId());
        }
        if (page.from() != null) {
            sql.append(" AND requested_at >= ?");
            args.add(odt(page.from()));
        }
        if (page.to() != null) {
            sql.append(" AND requested_at < ?");
            args.add(odt(page.to()));
        }
        if (page.after() != null) {
            sql.append(" AND (requested_at < ? OR (requested_at = ? AND session_id < ?))");
            args.add(odt(page.after().requestedAt()));
            args.add(odt(page.after().requestedAt()));
            args.add(page.after().sessionId());
        }
        sql.append(" ORDER BY requested_at DESC, session_id DESC LIMIT ?");
        args.add(page.limit());
        return jdbc.query(sql.toString(), ROW, args.toArray()).stream().map(StoredCall::state).toList();
    }

    /**
     * Whether the store answers a query on the call table at all: when a write fails but this
     * succeeds, the store refused that write's data, it is not down.
     */
    public boolean answers() {
        try {
            jdbc.queryForObject("SELECT COUNT(*) FROM call_record WHERE session_id = ''", Long.class);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    public long count() {
        Long count = jdbc.queryForObject("SELECT COUNT(*) FROM call_record", Long.class);
        return count == null ? 0 : count;
    }

    private static int bindState(PreparedStatement ps, int first, StoredCall row, Instant now) throws SQLException {
        CallState s = row.state();
        int i = first;
        ps.setString(i++, s.agentId());
        ps.setString(i++, s.clientUserRef());
        ps.setString(i++, s.origin());
        ps.setString(i++, s.outcome());
        ps.setString(i++, s.errorCode() == null ? null : s.errorCode().wire());
        setInstant(ps, i++, s.requestedAt());
        setInstant(ps, i++, s.startedAt());
        setInstant(ps, i++, s.endedAt());
        ps.setString(i++, s.endReason() == null ? null : s.endReason().wire());
        Long duration = s.durationSeconds();
        if (duration == null) {
            ps.setNull(i++, Types.BIGINT);
        } else {
            ps.setLong(i++, duration);
        }
        ps.setString(i++, s.roomName());
        ps.setInt(i++, s.facts());
        ps.setShort(i++, (short) s.progress());
        ps.setBoolean(i++, row.publishPending());
        setInstant(ps, i++, now);
        return i;
    }

    private static void setInstant(PreparedStatement ps, int index, Instant instant) throws SQLException {
        if (instant == null) {
            ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            ps.setObject(index, odt(instant));
        }
    }

    private static OffsetDateTime odt(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private static final RowMapper<StoredCall> ROW = (rs, n) -> {
        String errorCode = rs.getString("error_code");
        String endReason = rs.getString("end_reason");
        CallState state = new CallState(
                rs.getString("session_id"),
                rs.getString("agent_id"),
                rs.getString("client_user_ref"),
                rs.getString("origin"),
                instant(rs, "requested_at"),
                instant(rs, "started_at"),
                rs.getString("room_name"),
                instant(rs, "ended_at"),
                endReason == null ? null : EndReason.fromWire(endReason),
                errorCode == null ? null : ErrorCode.fromWire(errorCode),
                rs.getInt("facts"));
        return new StoredCall(state, rs.getBoolean("publish_pending"));
    };

    private static List<List<String>> chunks(List<String> ids) {
        List<List<String>> chunks = new ArrayList<>();
        for (int i = 0; i < ids.size(); i += CHUNK) {
            chunks.add(ids.subList(i, Math.min(ids.size(), i + CHUNK)));
        }
        return chunks;
    }
}
