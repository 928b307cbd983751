package ai.ojin.session.room.http;

/** The rate limiter whose permits a call of an operation takes; null: the call is not limited. */
@FunctionalInterface
public interface RateLimits {

    /** No limit for any call. */
    RateLimits NONE = operation -> null;

    RateLimiter of(String operation);
}
