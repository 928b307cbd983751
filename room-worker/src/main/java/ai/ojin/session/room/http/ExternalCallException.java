package ai.ojin.session.room.http;

/**
 * A call to Daily or the orchestrator did not succeed: an error status ({@link #status()}), a
 * timeout, a transport error or an exhausted budget ({@code status} 0 in those cases).
 */
public class ExternalCallException extends RuntimeException {

    private final int status;

    public ExternalCallException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public ExternalCallException(String message, int status) {
        this(message, status, null);
    }

    public int status() {
        return status;
    }
}
