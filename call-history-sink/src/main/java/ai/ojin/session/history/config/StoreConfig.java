package ai.ojin.session.history.config;

import ai.ojin.session.history.store.CallFolder;
import ai.ojin.session.history.store.CallStore;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.transaction.support.TransactionTemplate;
import com.zaxxer.hikari.HikariDataSource;
import org.springframework.boot.jdbc.DataSourceBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The store's DataSource, built from {@code CALL_HISTORY_DB_URL} only: never Boot's fallback to an
 * in-memory database when the URL is missing.
 */
@Configuration(proxyBeanMethods = false)
class StoreConfig {

    @Bean
    HikariDataSource dataSource(HistoryProperties properties) {
        HikariDataSource dataSource = DataSourceBuilder.create().type(HikariDataSource.class)
                .url(properties.db().url())
                .username(emptyToNull(properties.db().user()))
                .password(emptyToNull(properties.db().password()))
                .build();
        dataSource.setPoolName("call-history");
        dataSource.setMaximumPoolSize(5);
        return dataSource;
    }

    @Bean
    CallFolder callFolder(CallStore store, TransactionTemplate transactions, HistoryProperties properties,
            MeterRegistry meters) {
        return new CallFolder(store, transactions, properties.publish(), meters);
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

}
