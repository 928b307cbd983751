package ai.ojin.session.room;

import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One worker for a test class ({@code @RegisterExtension static final SharedWorker SHARED = new
 * SharedWorker(w -> worker = w)}): started before the class's first test and handed to it, its
 * fakes' fault knobs cleared after each test (each test works on agents and sessions of its own),
 * closed after the last test.
 */
final class SharedWorker implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

    private final Consumer<WorkerHarness> started;
    private WorkerHarness worker;

    SharedWorker(Consumer<WorkerHarness> started) {
        this.started = started;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        worker = new WorkerHarness();
        started.accept(worker);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        worker.clearFaults();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (worker != null) {
            worker.close();
        }
    }
}
