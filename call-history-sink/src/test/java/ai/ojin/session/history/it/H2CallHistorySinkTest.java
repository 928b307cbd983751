package ai.ojin.session.history.it;

import ai.ojin.session.history.it.SinkHarness.Store;
import ai.ojin.session.testkit.TestKafka;

/** The sink against H2 (the standalone store), always. */
class H2CallHistorySinkTest extends CallHistorySinkContract {

    @Override
    protected Store newStore() {
        return new Store("jdbc:h2:mem:" + TestKafka.uniqueId("history") + ";DB_CLOSE_DELAY=-1", "", "");
    }
}
