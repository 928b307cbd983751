package ai.ojin.session.history.query;

/** A query parameter is malformed or out of range: 400 {@code invalid_request}. */
public class InvalidRequestException extends RuntimeException {

    public InvalidRequestException(String message) {
        super(message);
    }
}
