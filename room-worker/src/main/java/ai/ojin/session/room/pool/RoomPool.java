package ai.ojin.session.room.pool;

import ai.ojin.session.support.schedule.Phases;
import ai.ojin.session.room.config.RoomProperties;
import ai.ojin.session.room.daily.DailyApi;
import ai.ojin.session.room.daily.DailyRoom;
import ai.ojin.session.room.http.Deadline;
import ai.ojin.session.room.http.Priority;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * A warm pool of private Daily rooms ({@code room.pool.size}, 0 = off) so that a set-up does not
 * wait for Daily's room creation. The pool is refilled in the background: its creations take
 * {@link Priority#REFILL} permits of Daily's standard budget, so set-ups and endings always go
 * first; replaced rooms are deleted as {@link Priority#HOUSEKEEPING}. Pooled
 * rooms carry a long {@code exp} ({@code room.pool.room-lifetime}) and are deleted and replaced
 * once they come within {@code room.pool.renew-before} of it. A room is {@link #take taken} by one
 * session at a time. An empty pool is a miss (the caller creates a room on demand). Unused rooms
 * are deleted when the worker stops; a worker that dies leaves its unused rooms to their {@code exp}.
 *
 * <p>Recycling ({@code room.pool.recycle}, on by default): the tear-down closes an ended session's
 * room and {@link #giveBack gives it back}, with the time at which every token of that session has
 * expired. It rests closed until then; a refill reopens a rested room (one update of its
 * {@code exp}, {@link Priority#REFILL}) before it creates a new one, and does not create rooms
 * that rested rooms will replace within Daily's creation time. So at a steady rate the rooms on
 * Daily stay bounded (ready + in use + resting) and no ending needs Daily's 2/s delete family.
 * Rested rooms the pool does not need (it is full) wait as spares, closed, and are deleted as
 * housekeeping after {@link #SPARE_MAX_AGE} unused; a room that cannot be reopened is dropped. A
 * worker that stops or dies leaves its resting rooms closed; the reconciliation deletes them.
 *
 * <p>Pooled room names are {@code pool-<26 random base32 characters>}: never a session id, so a
 * pooled room is only ever linked to a session through its assignment.
 */
public class RoomPool implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RoomPool.class);
    private static final Pattern NAME = Pattern.compile("pool-[a-z2-7]{26}");
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration CREATE_BUDGET = Duration.ofSeconds(30);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** The demand the refill concurrency follows: rooms taken over this window. */
    private static final Duration DEMAND_WINDOW = Duration.ofSeconds(10);
    /** A rested room the pool has not needed for this long is deleted (demand went down). */
    public static final Duration SPARE_MAX_AGE = Duration.ofMinutes(10);
    /** Rooms resting until this long from now count as coming back (at least; 2 x Daily's creation time). */
    private static final Duration MIN_LEAD = Duration.ofSeconds(1);

    private final DailyApi daily;
    private final RoomProperties.Pool settings;
    private final Duration deleteBudget;
    private final Clock clock;
    private final ConcurrentLinkedDeque<PooledRoom> rooms = new ConcurrentLinkedDeque<>();
    /** Closed rooms of ended sessions, by the time they may be reopened. */
    private final PriorityBlockingQueue<Resting> resting = new PriorityBlockingQueue<>(64,
            Comparator.comparing(Resting::reusableAt));
    private final Set<String> restingNames = ConcurrentHashMap.newKeySet();
    private final AtomicInteger creating = new AtomicInteger();
    private final AtomicInteger reopening = new AtomicInteger();
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final AtomicBoolean refillScheduled = new AtomicBoolean();
    private final AtomicBoolean filledOnce = new AtomicBoolean();
    private final AtomicInteger missesSinceFull = new AtomicInteger();
    private final RefillDemand demand = new RefillDemand(DEMAND_WINDOW);
    private volatile int refillConcurrency;
    private final Counter hits;
    private final Counter misses;
    private final Counter created;
    private final Counter createFailures;
    private final Counter replaced;
    private final Counter reopened;
    private final Counter spareDeletes;
    private final Counter reusedOnMiss;
    private volatile ScheduledExecutorService scheduler;
    private volatile Instant pausedUntil = Instant.MIN;

    public RoomPool(DailyApi daily, RoomProperties properties, Clock clock, MeterRegistry meters) {
        this.daily = daily;
        this.settings = properties.pool();
        this.deleteBudget = properties.teardownBudget();
        this.clock = clock;
        Gauge.builder("room.pool.size", rooms, ConcurrentLinkedDeque::size).description("Rooms ready in the warm pool")
                .register(meters);
        Gauge.builder("room.pool.target", settings, RoomProperties.Pool::size).register(meters);
        this.refillConcurrency = settings.refillConcurrency();
        Gauge.builder("room.pool.refill_concurrency", () -> refillConcurrency)
                .description("Pool creations allowed in flight: rooms taken per second x Daily's creation time, x2")
                .register(meters);
        this.hits = Counter.builder("room.pool.takes").tag("outcome", "hit").register(meters);
        this.misses = Counter.builder("room.pool.takes").tag("outcome", "miss").register(meters);
        this.created = Counter.builder("room.pool.refills").tag("outcome", "created").register(meters);
        this.createFailures = Counter.builder("room.pool.refills").tag("outcome", "failed").register(meters);
        this.replaced = Counter.builder("room.pool.replaced").register(meters);
        this.reopened = Counter.builder("room.pool.refills").tag("outcome", "reopened").register(meters);
        this.spareDeletes = Counter.builder("room.pool.spares_deleted").register(meters);
        this.reusedOnMiss = Counter.builder("room.pool.misses_reopened")
                .description("Misses served by reopening a rested room (not a new room)").register(meters);
        Gauge.builder("room.pool.resting", resting, PriorityBlockingQueue::size)
                .description("Closed rooms of ended sessions waiting to be reused").register(meters);
    }

    /** True for the name of a pooled room (never a session id). */
    public static boolean isPoolRoomName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    public boolean enabled() {
        return settings.enabled();
    }

    /** True when ended sessions' rooms come back to this pool instead of being deleted. */
    public boolean recycles() {
        return settings.enabled() && settings.recycle();
    }

    /** True for a closed room this pool keeps for reuse (the reconciliation leaves it alone). */
    public boolean holds(String name) {
        return restingNames.contains(name);
    }

    /**
     * Takes back the closed room of an ended session: it may be reopened at {@code reusableAt}, once
     * no token of that session can join it any more. Ignored when the pool has stopped (the room is
     * closed; the reconciliation deletes it).
     */
    public void giveBack(DailyRoom room, Instant reusableAt) {
        ScheduledExecutorService s = scheduler;
        if (s == null || !restingNames.add(room.name())) {
            return;
        }
        resting.add(new Resting(room, reusableAt));
        long delay = Math.max(0, Duration.between(clock.instant(), reusableAt).toMillis());
        try {
            s.schedule(this::refillSoon, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("Room pool stopped while {} came back", room.name());
        }
    }

    private record Resting(DailyRoom room, Instant reusableAt) {
    }

    /**
     * On a miss: a rested room that may serve a session now (every token of its earlier session has
     * expired), for the set-up to reopen itself, so that rooms stay bounded even while refills
     * cannot keep up; empty when none has rested long enough.
     */
    public Optional<String> takeRested() {
        Resting next = resting.peek();
        if (next != null && !next.reusableAt().isAfter(clock.instant()) && resting.remove(next)) {
            restingNames.remove(next.room().name());
            reusedOnMiss.increment();
            return Optional.of(next.room().name());
        }
        return Optional.empty();
    }

    /** A pooled room's exp, from now. */
    public Instant lifetimeFromNow() {
        return clock.instant().plus(settings.roomLifetime());
    }

    public int size() {
        return rooms.size();
    }

    /**
     * Takes a ready room that lives until at least {@code neededUntil}, for one session; empty
     * (a miss) when the pool has none. The room never returns to the pool.
     */
    public Optional<PooledRoom> take(Instant neededUntil, String sessionId) {
        demand.taken(clock.instant());
        Iterator<PooledRoom> it = rooms.iterator();
        while (it.hasNext()) {
            PooledRoom room = it.next();
            if (!room.exp().isBefore(neededUntil) && rooms.removeFirstOccurrence(room)) {
                hits.increment();
                refillSoon();
                return Optional.of(room);
            }
        }
        misses.increment();
        missesSinceFull.incrementAndGet();
        log.info("Room pool has no room for session {} ({} ready, {} being created); creating one on demand",
                sessionId, rooms.size(), creating.get());
        refillSoon();
        return Optional.empty();
    }

    /** Asks for a refill pass (immediately, unless one is scheduled already). */
    public void refillSoon() {
        ScheduledExecutorService s = scheduler;
        if (s != null && refillScheduled.compareAndSet(false, true)) {
            s.execute(this::refillPass);
        }
    }

    /** Replaces rooms close to their exp, then starts creations up to the target size. */
    private void refillPass() {
        refillScheduled.set(false);
        Instant now = clock.instant();
        replaceExpiring(now);
        if (now.isBefore(pausedUntil)) {
            return;
        }
        int concurrency = demand.concurrency(now, settings.refillConcurrency(), settings.size());
        if (concurrency != refillConcurrency) {
            log.debug("Room pool: {} creations at once (rooms taken: {}/s over {} s; Daily creates one in {} ms)",
                    concurrency, String.format(java.util.Locale.ROOT, "%.1f", demand.takesPerSecond(now)),
                    DEMAND_WINDOW.toSeconds(), demand.createMillis());
            refillConcurrency = concurrency;
        }
        int missing = settings.size() - rooms.size() - creating.get() - reopening.get();
        Resting next;
        while (missing > 0 && creating.get() + reopening.get() < concurrency && (next = resting.peek()) != null
                && !next.reusableAt().isAfter(now) && resting.remove(next)) {
            reopen(next);
            missing--;
        }
        Instant lead = now.plus(Duration.ofMillis(Math.max(MIN_LEAD.toMillis(), 2 * demand.createMillis())));
        missing -= (int) resting.stream().filter(r -> r.reusableAt().isBefore(lead)).count();
        while (missing > 0 && creating.get() + reopening.get() < concurrency) {
            createOne();
            missing--;
        }
        if (rooms.size() >= settings.size()) {
            deleteOldSpares(now);
        }
    }

    /**
     * Reopens a rested room for the pool (a long exp again). A room Daily no longer has is dropped;
     * a reopen that failed otherwise (no permit in time, Daily failing) puts the room back to rest,
     * reusable at once, and pauses the refills like a failed creation.
     */
    private void reopen(Resting room) {
        reopening.incrementAndGet();
        String name = room.room().name();
        Instant exp = clock.instant().plus(settings.roomLifetime());
        CompletableFuture<Optional<DailyRoom>> attempt;
        try {
            attempt = daily.setRoomExp(name, exp, Priority.REFILL, Deadline.in(CREATE_BUDGET));
        } catch (RuntimeException e) {
            attempt = CompletableFuture.failedFuture(e);
        }
        attempt.whenComplete((found, error) -> {
            if (error != null && scheduler != null) {
                resting.add(new Resting(room.room(), clock.instant()));
                reopening.decrementAndGet();
                failed("reopening", name, error);
                return;
            }
            restingNames.remove(name);
            if (error == null && found.isPresent() && scheduler != null) {
                consecutiveFailures.set(0);
                reopened.increment();
                rooms.add(new PooledRoom(found.get(), exp));
            } else if (error == null && found.isPresent()) {
                retire(name); // stopped meanwhile
            } else {
                log.info("Room pool: {} could not be reopened ({}); dropped", name,
                        error == null ? "gone" : error.toString());
            }
            reopening.decrementAndGet();
            refillSoon();
        });
    }

    /** Deletes rested rooms unused for {@link #SPARE_MAX_AGE} (housekeeping: demand went down). */
    private void deleteOldSpares(Instant now) {
        Instant oldest = now.minus(SPARE_MAX_AGE);
        Resting next;
        while ((next = resting.peek()) != null && next.reusableAt().isBefore(oldest) && resting.remove(next)) {
            spareDeletes.increment();
            String name = next.room().name();
            delete(name, Priority.HOUSEKEEPING).whenComplete((ok, error) -> restingNames.remove(name));
        }
    }

    private void replaceExpiring(Instant now) {
        Instant renewBy = now.plus(settings.renewBefore());
        List<PooledRoom> expiring = new ArrayList<>();
        for (PooledRoom room : rooms) {
            if (room.exp().isBefore(renewBy) && rooms.removeFirstOccurrence(room)) {
                expiring.add(room);
            }
        }
        for (PooledRoom room : expiring) {
            replaced.increment();
            log.info("Room pool: replacing {} (exp {})", room.name(), room.exp());
            delete(room.name(), Priority.HOUSEKEEPING);
        }
    }

    private void createOne() {
        creating.incrementAndGet();
        String name = newName();
        Instant started = clock.instant();
        Instant exp = started.plus(settings.roomLifetime());
        CompletableFuture<?> attempt;
        try {
            attempt = daily.createRoom(name, exp, Priority.REFILL, Deadline.in(CREATE_BUDGET))
                    .whenComplete((room, error) -> {
                        if (error != null) {
                            creating.decrementAndGet();
                            failed(name, error);
                            return;
                        }
                        consecutiveFailures.set(0);
                        created.increment();
                        demand.created(Duration.between(started, clock.instant()));
                        if (scheduler == null) {
                            creating.decrementAndGet();
                            delete(room.name(), Priority.ENDING); // stopped meanwhile
                            return;
                        }
                        // in the pool before it stops counting as being created: a refill pass never sees too few
                        rooms.add(new PooledRoom(room, exp));
                        creating.decrementAndGet();
                        if (rooms.size() >= settings.size()) {
                            announceFull();
                        }
                        refillSoon();
                    });
        } catch (RuntimeException e) {
            creating.decrementAndGet();
            failed(name, e);
            return;
        }
        attempt.exceptionally(ignored -> null);
    }

    /** Logs the first fill, and a fill after misses (not every refill after a hit). */
    private void announceFull() {
        int missed = missesSinceFull.getAndSet(0);
        if (filledOnce.compareAndSet(false, true)) {
            log.info("Room pool full: {} rooms ready", rooms.size());
        } else if (missed > 0) {
            log.info("Room pool full again: {} rooms ready ({} session(s) got a room on demand meanwhile)", rooms.size(),
                    missed);
        }
    }

    private void failed(String name, Throwable error) {
        failed("creating", name, error);
    }

    private void failed(String what, String name, Throwable error) {
        createFailures.increment();
        int failures = consecutiveFailures.incrementAndGet();
        long backoffMs = Math.min(MAX_BACKOFF.toMillis(), 500L << Math.min(failures - 1, 10));
        pausedUntil = clock.instant().plusMillis(backoffMs);
        log.warn("Room pool: {} {} failed ({}); next try in {} ms ({} ready)", what, name, error.toString(), backoffMs,
                rooms.size());
        ScheduledExecutorService s = scheduler;
        if (s != null) {
            s.schedule(this::refillSoon, backoffMs, TimeUnit.MILLISECONDS);
        }
    }

    private CompletableFuture<Boolean> delete(String name, Priority priority) {
        try {
            return daily.deleteRoom(name, priority, Deadline.in(deleteBudget)).whenComplete((ok, error) -> {
                if (error != null) {
                    log.warn("Room pool: deleting {} failed ({}); its exp bounds it", name, error.toString());
                }
            });
        } catch (RuntimeException e) {
            log.warn("Room pool: deleting {} failed ({}); its exp bounds it", name, e.toString());
            return CompletableFuture.completedFuture(false);
        }
    }

    /** Closes an unused room at once (nobody has a token for it), then deletes it. */
    private CompletableFuture<Boolean> retire(String name) {
        CompletableFuture<Boolean> closed;
        try {
            closed = daily.closeRoom(name, clock.instant().plusSeconds(1), Deadline.in(deleteBudget));
        } catch (RuntimeException e) {
            closed = CompletableFuture.failedFuture(e);
        }
        return closed.handle((found, error) -> {
            if (error != null) {
                log.warn("Room pool: closing {} failed ({}); its exp bounds it", name, error.toString());
            }
            return Boolean.FALSE.equals(found) ? CompletableFuture.completedFuture(false) : delete(name, Priority.ENDING);
        }).thenCompose(f -> f);
    }

    /** A new pooled room name ({@code pool-} + 26 random base32 characters). */
    public static String newName() {
        char[] random = new char[26];
        for (int i = 0; i < random.length; i++) {
            random[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return "pool-" + new String(random);
    }

    @Override
    public synchronized void start() {
        if (!settings.enabled() || scheduler != null) {
            if (!settings.enabled()) {
                log.info("Room pool is off (room.pool.size=0): every room is created on demand");
            }
            return;
        }
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "room-pool");
            thread.setDaemon(true);
            return thread;
        });
        scheduler = s;
        log.info("Room pool: keeping {} rooms ready (lifetime {}, replaced {} before exp, at least {} creations at once, "
                + "more while demand needs them; refill priority in Daily's budget)", settings.size(), settings.roomLifetime(),
                settings.renewBefore(), settings.refillConcurrency());
        long check = settings.checkInterval().toMillis();
        s.scheduleWithFixedDelay(this::refillSoon, 0, check, TimeUnit.MILLISECONDS);
    }

    /**
     * Closes and deletes the rooms still in the pool (bounded wait; a room closed but not deleted is
     * left to the reconciliation); rooms of a worker that died are bounded by their exp.
     */
    @Override
    public void stop() {
        ScheduledExecutorService s;
        synchronized (this) {
            s = scheduler;
            scheduler = null;
        }
        if (s == null) {
            return;
        }
        s.shutdownNow();
        if (!resting.isEmpty()) {
            log.info("Room pool: {} closed room(s) of ended sessions left for the reconciliation to delete",
                    resting.size());
            resting.clear();
            restingNames.clear();
        }
        List<CompletableFuture<Boolean>> deletes = new ArrayList<>();
        PooledRoom room;
        while ((room = rooms.poll()) != null) {
            deletes.add(retire(room.name()));
        }
        if (!deletes.isEmpty()) {
            log.info("Room pool: closing and deleting {} unused room(s) on stop", deletes.size());
            try {
                CompletableFuture.allOf(deletes.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("Room pool: not every unused room was deleted on stop ({}); the reconciliation deletes those "
                        + "closed, their exp bounds the others", e.toString());
            }
        }
    }

    @Override
    public boolean isRunning() {
        return scheduler != null;
    }

    /** Filled before the job consumer starts taking set-ups, emptied after it stopped. */
    @Override
    public int getPhase() {
        return Phases.STATE;
    }
}
