package ai.ojin.session.processor.topology;

import ai.ojin.session.events.agent.Agent;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Keeps the global agent store equal to the compacted {@code agents} topic (tombstone = deleted). */
final class AgentStoreUpdater implements Processor<String, Agent, Void, Void> {

    private KeyValueStore<String, Agent> agents;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        agents = context.getStateStore(SessionTopology.AGENTS_STORE);
    }

    @Override
    public void process(Record<String, Agent> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            agents.delete(record.key());
        } else {
            agents.put(record.key(), record.value());
        }
    }
}
