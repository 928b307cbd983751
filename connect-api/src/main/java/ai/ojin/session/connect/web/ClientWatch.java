package ai.ojin.session.connect.web;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import ai.ojin.session.support.schedule.Phases;

/**
 * Notices that the client of a request held open (an async connect waiting for its reply) went
 * away, without writing anything to it.
 * <p>
 * Why a check is needed: neither the Servlet API nor Tomcat report a closed connection while a
 * request waits in async mode. Tomcat's NIO connector does not register the socket for reading
 * during async processing ({@code AbstractProtocol.ConnectionHandler.longPoll} does so only for
 * non-async processors) and registers read interest for non-blocking reads only while the request
 * body is unread ({@code AbstractProcessor.isReadyForRead}); so no {@code AsyncListener.onError},
 * {@code DeferredResult.onError} or {@code ReadListener.onError} comes when the peer closes, only
 * when a write or read fails. The one way to learn it without committing a response is a read.
 * <p>
 * How: every {@link #checkAll() check} (the {@code connect.client-check-interval}), each watched
 * request, once its async processing started and its body is read, is switched to non-blocking
 * input (a {@link ReadListener}; a body read in the background already has one), and
 * {@link ServletInputStream#available()} is asked: in non-blocking mode Tomcat then tries a
 * non-blocking read of the socket beyond the body. Bytes there, or the end of the stream (Tomcat
 * answers 1 for that too), mean the client closed the connection or sent something before its
 * answer, which an HTTP/1.1 client does not do after a POST (RFC 9112 9.3.2: no pipelining after a
 * non-idempotent method): either way it no longer waits for this answer. Pipelined bytes stay in
 * Tomcat's buffer, so nothing is lost for the connection.
 * <p>
 * A watch is stopped (under its lock) before its answer is handed to the web layer, so a check
 * never reads a request that is being answered or was recycled.
 * <p>
 * Once the application stops (this lifecycle stops before the web server does), nothing is
 * reported any more: the connector closing its connections fails their read listeners, which is
 * the server going away, not the client. Sessions admitted for those callers are released by the
 * reply path after a restart ({@code UnclaimedReplies}), as for a crash.
 */
public class ClientWatch implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ClientWatch.class);

    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
    private final AtomicLong gone = new AtomicLong();
    private volatile boolean running;
    private volatile boolean stopping;

    @Override
    public void start() {
        running = true;
    }

    /** From now on no client is reported gone (the server stops). */
    @Override
    public void stop() {
        stopping = true;
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Before the web server stops (it stops at a lower phase), with the other periodic work. */
    @Override
    public int getPhase() {
        return Phases.PERIODIC;
    }

    /** Starts watching {@code request}; {@code onGone} runs at most once, on the checking thread. */
    public Watch watch(HttpServletRequest request, Runnable onGone) {
        Watch watch = new Watch(containerRequest(request), onGone);
        watches.add(watch);
        return watch;
    }

    /** Checks every watched request once. */
    public void checkAll() {
        if (stopping) {
            return;
        }
        for (Watch watch : watches) {
            watch.check();
        }
    }

    /** Requests watched now. */
    public int size() {
        return watches.size();
    }

    /** Clients found gone so far. */
    public long goneCount() {
        return gone.get();
    }

    private static ServletRequest containerRequest(ServletRequest request) {
        ServletRequest current = request;
        while (current instanceof ServletRequestWrapper wrapper) {
            current = wrapper.getRequest();
        }
        return current;
    }

    /** One watched request. */
    public final class Watch {

        private final ServletRequest request;
        private final Runnable onGone;
        private boolean stopped;
        private boolean nonBlocking;

        private Watch(ServletRequest request, Runnable onGone) {
            this.request = request;
            this.onGone = onGone;
        }

        /** Stops watching (idempotent); once it returns, no check touches the request any more. */
        public synchronized void stop() {
            stopped = true;
            watches.remove(this);
        }

        void check() {
            boolean clientGone;
            synchronized (this) {
                if (stopped || !request.isAsyncStarted()) {
                    return;
                }
                try {
                    ServletInputStream in = request.getInputStream();
                    if (!nonBlocking) {
                        if (!in.isFinished()) {
                            return; // its body is still being read (in the background): nothing to check yet
                        }
                        nonBlocking = true;
                        try {
                            in.setReadListener(new Listener());
                        } catch (IllegalStateException e) {
                            // a body read in the background left its listener: already non-blocking
                        }
                    }
                    clientGone = in.available() > 0;
                } catch (IOException | RuntimeException e) {
                    log.debug("Checking a held request failed; taking its client as gone", e);
                    clientGone = true;
                }
                if (clientGone && stopping) {
                    return;
                }
                if (clientGone) {
                    stopped = true;
                    watches.remove(this);
                }
            }
            if (clientGone) {
                gone.incrementAndGet();
                onGone.run();
            }
        }

        private void goneByError(Throwable t) {
            synchronized (this) {
                if (stopped || stopping) {
                    return;
                }
                stopped = true;
                watches.remove(this);
            }
            log.debug("The connection of a held request failed", t);
            gone.incrementAndGet();
            onGone.run();
        }

        /** Non-blocking input: nothing to read; an error means the connection failed. */
        private final class Listener implements ReadListener {
            @Override
            public void onDataAvailable() {
            }

            @Override
            public void onAllDataRead() {
            }

            @Override
            public void onError(Throwable t) {
                goneByError(t);
            }
        }
    }
}
