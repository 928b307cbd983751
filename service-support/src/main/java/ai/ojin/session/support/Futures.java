package ai.ojin.session.support;

import java.util.concurrent.CompletionException;

/** Helpers for {@link java.util.concurrent.CompletableFuture} results. */
public final class Futures {

    private Futures() {
    }

    /** The cause inside {@link CompletionException} wrappers (the throwable itself when there is none). */
    public static Throwable cause(Throwable error) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
