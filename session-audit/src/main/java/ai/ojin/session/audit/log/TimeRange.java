package ai.ojin.session.audit.log;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** A half-open time window {@code [from, to)}; either end may be open (null). */
public record TimeRange(Instant from, Instant to) {

    public static final TimeRange ALL = new TimeRange(null, null);

    public TimeRange {
        if (from != null && to != null && !from.isBefore(to)) {
            throw new IllegalArgumentException("--from must be before --to");
        }
    }

    public boolean contains(Instant at) {
        if (at == null) {
            return from == null && to == null;
        }
        return (from == null || !at.isBefore(from)) && (to == null || at.isBefore(to));
    }

    /**
     * An ISO-8601 instant ({@code 2026-11-28T12:00:00Z}), date-time with offset
     * ({@code 2026-11-28T13:00+01:00}) or date ({@code 2026-11-28}, midnight UTC).
     */
    public static Instant parse(String text) {
        try {
            if (text.length() == 10) {
                return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            if (text.endsWith("Z")) {
                return Instant.parse(text);
            }
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not a time: " + text
                    + " (use 2026-11-28T12:00:00Z, 2026-11-28T13:00:00+01:00 or 2026-11-28)");
        }
    }
}
