package ai.ojin.session.processor.topology;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The set-up the topology tests share: a fresh {@link ProcessorDriver} per test, on a state
 * directory of its own, with the class's lease settings and starting agents, closed after the test.
 * A test that restarts the processor closes {@link #driver} and starts another on {@link #stateDir}.
 */
abstract class DriverPerTest {

    @TempDir
    Path stateDir;

    ProcessorDriver driver;

    /** The lease settings of every test of the class: the defaults unless a class says otherwise. */
    LeaseSettings settings() {
        return LeaseSettings.DEFAULTS;
    }

    /** What every test of the class starts with (its agents); nothing unless a class says so. */
    void given(ProcessorDriver driver) {
    }

    @BeforeEach
    final void startDriver() {
        driver = new ProcessorDriver(settings(), stateDir);
        given(driver);
    }

    @AfterEach
    final void closeDriver() {
        driver.close();
    }
}
