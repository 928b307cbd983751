package ai.ojin.session.audit.history;

import java.time.Clock;
import ai.ojin.session.audit.AuditCli;
import ai.ojin.session.audit.log.CannotReadException;
import ai.ojin.session.audit.log.ClusterOptions;
import ai.ojin.session.audit.log.LogReader;
import ai.ojin.session.audit.log.Logged;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.history.store.CallFolder;
import ai.ojin.session.history.store.CallStore;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Rebuilds the call-history store from {@code session-events} with the sink's own code: its Flyway
 * schema ({@code classpath:db/call-history}), {@link CallStore} and {@link CallFolder}, batch by
 * batch as the sink's rebuild mode does, into an empty store. Like that mode it never sends to
 * {@code call-history}, and marks finished calls as pending publication (a sink started normally on
 * this store then publishes the calls it refolds). Unreadable facts are skipped, as the sink does
 * (it sends them to its dead-letter topic).
 */
@Command(name = "rebuild-history", mixinStandardHelpOptions = true,
        description = "Rebuild the call-history store from the log into an empty database (the sink's own fold).")
public final class RebuildHistoryCommand implements Callable<Integer> {

    @Option(names = "--db-url", required = true, description = "JDBC URL of an empty store (PostgreSQL or H2)")
    String dbUrl;

    @Option(names = "--db-user", description = "database user")
    String dbUser;

    @Option(names = "--db-password", description = "database password (or CALL_HISTORY_DB_PASSWORD)",
            defaultValue = "${env:CALL_HISTORY_DB_PASSWORD}")
    String dbPassword;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ClusterOptions cluster = AuditCli.cluster(spec);
        PrintWriter err = spec.commandLine().getErr();
        try (HikariDataSource dataSource = dataSource()) {
            Flyway.configure().dataSource(dataSource).locations("classpath:db/call-history").load().migrate();
            CallStore store = new CallStore(new JdbcTemplate(dataSource), Clock.systemUTC());
            if (store.count() != 0) {
                throw new CannotReadException("the store at " + dbUrl + " is not empty (" + store.count()
                        + " rows): rebuild-history needs an empty store");
            }
            CallFolder folder = new CallFolder(store, new TransactionTemplate(new DataSourceTransactionManager(dataSource)),
                    true, new SimpleMeterRegistry());
            long[] counts = new long[2];
            new LogReader(cluster, err).read(cluster.topics().events(), null, batch -> {
                List<SessionEvent> facts = new ArrayList<>(batch.size());
                for (Logged<SessionEvent> f : batch) {
                    if (f.readable() && f.value() != null) {
                        facts.add(f.value());
                    } else {
                        counts[1]++;
                        err.println("skipping unreadable fact at " + f.where() + ": " + f.error());
                    }
                }
                folder.fold(facts);
                counts[0] += facts.size();
            });
            PrintWriter out = spec.commandLine().getOut();
            out.printf("rebuilt %d call record(s) from %d fact(s); %d unreadable fact(s) skipped%n", store.count(),
                    counts[0], counts[1]);
            out.flush();
            return 0;
        }
    }

    private HikariDataSource dataSource() {
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setJdbcUrl(dbUrl);
        if (dbUser != null && !dbUser.isEmpty()) {
            dataSource.setUsername(dbUser);
        }
        if (dbPassword != null && !dbPassword.isEmpty()) {
            dataSource.setPassword(dbPassword);
        }
        dataSource.setPoolName("session-audit-rebuild");
        dataSource.setMaximumPoolSize(2);
        return dataSource;
    }
}
