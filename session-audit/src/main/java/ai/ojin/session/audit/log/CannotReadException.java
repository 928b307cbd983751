package ai.ojin.session.audit.log;

/** The cluster, a topic or a store could not be read (exit code 2). */
public class CannotReadException extends RuntimeException {

    public CannotReadException(String message) {
        super(message);
    }

    public CannotReadException(String message, Throwable cause) {
        super(message, cause);
    }
}
