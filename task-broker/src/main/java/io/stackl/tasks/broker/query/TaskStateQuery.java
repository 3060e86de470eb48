package io.stackl.tasks.broker.query;

import io.stackl.tasks.broker.domain.BrokerTask;
import io.stackl.tasks.broker.topology.TopologyNames;
import io.stackl.tasks.schema.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Reads a task's live state from {@code tasks-store} with interactive queries: locally when this instance owns the
 * task's partition, otherwise from the instance that does (over its HTTP endpoint), so any instance can answer.
 */
@ApplicationScoped
public class TaskStateQuery {

    private final KafkaStreams streams;
    private final HostInfo self;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    TaskStateQuery(KafkaStreams streams,
            @ConfigProperty(name = "quarkus.kafka-streams.application-server") String applicationServer) {
        this.streams = streams;
        this.self = HostInfo.buildFromEndpoint(applicationServer);
    }

    /** The outcome of a query: found, not found, or not answerable now (restoring, rebalancing, owner unreachable). */
    public sealed interface Answer {
        record Found(TaskView task) implements Answer {}

        record NotFound() implements Answer {}

        record Unavailable(String why) implements Answer {}

        /** The owning instance answered; its status and body are passed through unchanged. */
        record Remote(int status, String body) implements Answer {}
    }

    public CompletionStage<Answer> find(String taskId, boolean localOnly) {
        if (streams.state() != KafkaStreams.State.RUNNING) {
            return CompletableFuture.completedFuture(new Answer.Unavailable("the broker is " + streams.state()));
        }
        KeyQueryMetadata owner = streams.queryMetadataForKey(TopologyNames.TASKS_STORE, taskId,
                Serdes.String().serializer());
        if (owner == null || owner == KeyQueryMetadata.NOT_AVAILABLE) {
            return CompletableFuture.completedFuture(new Answer.Unavailable("the task's partition has no owner yet"));
        }
        if (localOnly || owner.activeHost().equals(self) || ownsLocally(owner.partition())) {
            return CompletableFuture.completedFuture(local(taskId, owner.partition()));
        }
        return remote(owner.activeHost(), taskId);
    }

    /**
     * Whether this instance's threads own the partition; a check that does not depend on the advertised
     * {@code application.server} matching this instance's address (behind a proxy, or in a test on a random port).
     */
    private boolean ownsLocally(int partition) {
        return streams.metadataForLocalThreads().stream()
                .flatMap(thread -> thread.activeTasks().stream())
                .flatMap(task -> task.topicPartitions().stream())
                .anyMatch(tp -> tp.topic().equals(Topics.TASK_REQUESTS.name()) && tp.partition() == partition);
    }

    private Answer local(String taskId, int partition) {
        try {
            ReadOnlyKeyValueStore<String, BrokerTask> store = streams.store(StoreQueryParameters
                    .fromNameAndType(TopologyNames.TASKS_STORE, QueryableStoreTypes.<String, BrokerTask>keyValueStore())
                    .withPartition(partition));
            return Optional.ofNullable(store.get(taskId))
                    .<Answer>map(task -> new Answer.Found(TaskView.of(task, self.host() + ":" + self.port())))
                    .orElse(new Answer.NotFound());
        } catch (InvalidStateStoreException e) {
            return new Answer.Unavailable("the task's partition is being restored or moved: " + e.getMessage());
        }
    }

    private CompletionStage<Answer> remote(HostInfo owner, String taskId) {
        URI uri = URI.create("http://" + owner.host() + ":" + owner.port() + "/tasks/"
                + URLEncoder.encode(taskId, StandardCharsets.UTF_8).replace("+", "%20") + "?local=true");
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .<Answer>thenApply(response -> new Answer.Remote(response.statusCode(), response.body()))
                .exceptionally(e -> new Answer.Unavailable("the owning instance " + owner.host() + ":" + owner.port()
                        + " did not answer: " + e.getMessage()));
    }
}
