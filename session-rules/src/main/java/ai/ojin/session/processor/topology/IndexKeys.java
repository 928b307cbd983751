package ai.ojin.session.processor.topology;

/**
 * Keys of the two lease indexes. Times are zero-padded epoch milliseconds so that the byte order
 * of the keys is the time order; agent ids and session ids never contain {@code '|'}
 * (see {@link ai.ojin.session.events.SessionIds}).
 * <ul>
 *   <li>lease index: {@code <agentId>|<leaseUntil>|<sessionId>}, so an agent's earliest lease is
 *       the first entry of a prefix scan;</li>
 *   <li>expiry index: {@code <until>|<sessionId>} (value = agent id), so everything due by
 *       {@code now} is a range scan from the start;</li>
 *   <li>line index: {@code <agentId>|<seq>|<sessionId>}, the agent's waiters oldest first;</li>
 *   <li>key index: {@code <agentId>|<key hash>} (value = session id).</li>
 * </ul>
 */
final class IndexKeys {

    static final char SEPARATOR = '|';
    private static final int TIME_DIGITS = 19;

    private IndexKeys() {
    }

    static String lease(String agentId, long until, String sessionId) {
        return agentPrefix(agentId) + pad(until) + SEPARATOR + sessionId;
    }

    /** Line index: {@code <agentId>|<seq>|<sessionId>}, so an agent's oldest waiter is the first entry of a prefix scan. */
    static String line(String agentId, long seq, String sessionId) {
        return lease(agentId, seq, sessionId);
    }

    /** Key index: {@code <agentId>|<key hash>} (hashes are base64url, without {@code '|'}). */
    static String key(String agentId, String keyHash) {
        return agentPrefix(agentId) + keyHash;
    }

    static String agentPrefix(String agentId) {
        return agentId + SEPARATOR;
    }

    static long leaseTime(String leaseKey, String agentId) {
        int start = agentId.length() + 1;
        return Long.parseLong(leaseKey, start, start + TIME_DIGITS, 10);
    }

    static String expiry(long until, String sessionId) {
        return pad(until) + SEPARATOR + sessionId;
    }

    /** The smallest possible expiry key. */
    static String expiryFrom() {
        return pad(0);
    }

    /** An inclusive upper bound above every expiry key with a time {@code <= now}. */
    static String expiryTo(long now) {
        return pad(now + 1);
    }

    static long expiryTime(String expiryKey) {
        return Long.parseLong(expiryKey, 0, TIME_DIGITS, 10);
    }

    static String expirySession(String expiryKey) {
        return expiryKey.substring(TIME_DIGITS + 1);
    }

    static String pad(long value) {
        if (value < 0) {
            throw new IllegalArgumentException("negative time " + value);
        }
        String digits = Long.toString(value);
        StringBuilder sb = new StringBuilder(TIME_DIGITS);
        for (int i = digits.length(); i < TIME_DIGITS; i++) {
            sb.append('0');
        }
        return sb.append(digits).toString();
    }
}
