package io.stackl.tasks.broker.query;

import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Interactive queries of the broker's key-value stores, so that any instance can answer: a key is read locally when
 * this instance owns its partition, otherwise from the instance that does (over its HTTP endpoint, with
 * {@code ?local=true}); a listing asks every instance for its own part.
 */
@ApplicationScoped
public class StoreQueries {

    private final KafkaStreams streams;
    private final HostInfo self;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** {@code Bearer <the peers' service token>}: the other instances' internal API answers no one without it. */
    private final String peerAuthorization;

    StoreQueries(KafkaStreams streams,
            @ConfigProperty(name = "quarkus.kafka-streams.application-server") String applicationServer,
            @ConfigProperty(name = "tasks.internal-api.tokens.peer") String peerToken) {
        this.streams = streams;
        this.self = HostInfo.buildFromEndpoint(applicationServer);
        this.peerAuthorization = "Bearer " + peerToken.strip();
    }

    /** The outcome of a query: found, not found, or not answerable now (restoring, rebalancing, owner unreachable). */
    public sealed interface Answer<T> {
        record Found<T>(T value) implements Answer<T> {}

        record NotFound<T>() implements Answer<T> {}

        record Unavailable<T>(String why) implements Answer<T> {}

        /** The owning instance answered; its status and body are passed through unchanged. */
        record Remote<T>(int status, String body) implements Answer<T> {}
    }

    /** This instance, as {@code host:port}: said in answers so that an operator can tell who answered. */
    public String self() {
        return self.host() + ":" + self.port();
    }

    /**
     * Reads {@code key} from {@code store}, whose partitions are those of {@code sourceTopic}.
     *
     * @param what what the key names, for the answers' words ("task", "key")
     * @param remotePath the path under which the owning instance answers the same question for this key
     */
    public <V, T> CompletionStage<Answer<T>> find(String store, String sourceTopic, String what, String key,
            boolean localOnly, Function<V, T> view, String remotePath) {
        if (!running()) {
            return CompletableFuture.completedFuture(new Answer.Unavailable<>("the broker is " + streams.state()));
        }
        KeyQueryMetadata owner = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
        if (owner == null || owner == KeyQueryMetadata.NOT_AVAILABLE) {
            return CompletableFuture.completedFuture(new Answer.Unavailable<>("the " + what
                    + "'s partition has no owner yet"));
        }
        if (localOnly || owner.activeHost().equals(self) || ownsLocally(sourceTopic, owner.partition())) {
            return CompletableFuture.completedFuture(local(store, what, key, owner.partition(), view));
        }
        HostInfo host = owner.activeHost();
        URI uri = uri(host, remotePath + "?local=true");
        return http.sendAsync(peerRequest(uri),
                        HttpResponse.BodyHandlers.ofString())
                .<Answer<T>>thenApply(response -> new Answer.Remote<>(response.statusCode(), response.body()))
                .exceptionally(e -> new Answer.Unavailable<>("the owning instance " + host.host() + ":" + host.port()
                        + " did not answer: " + e.getMessage()));
    }

    public boolean running() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    /**
     * Every entry of {@code store} in this instance's partitions; empty when they cannot be read now (being restored
     * or moved), which a listing must not pass off as "none".
     */
    public <V> Optional<List<KeyValue<String, V>>> localEntries(String store) {
        List<KeyValue<String, V>> values = new ArrayList<>();
        try {
            ReadOnlyKeyValueStore<String, V> all = streams.store(StoreQueryParameters.fromNameAndType(store,
                    QueryableStoreTypes.<String, V>keyValueStore()));
            try (KeyValueIterator<String, V> it = all.all()) {
                it.forEachRemaining(values::add);
            }
            return Optional.of(values);
        } catch (InvalidStateStoreException e) {
            return Optional.empty();
        }
    }

    /**
     * The other instances' answers to {@code pathAndQuery}; empty unless every instance that hosts {@code store}
     * answered 200, so that a listing is either whole or refused.
     */
    public CompletionStage<Optional<List<String>>> askOthers(String store, String pathAndQuery) {
        List<CompletableFuture<HttpResponse<String>>> asked = new ArrayList<>();
        for (StreamsMetadata instance : streams.streamsMetadataForStore(store)) {
            if (!instance.hostInfo().equals(self)) {
                asked.add(http.sendAsync(peerRequest(uri(instance.hostInfo(), pathAndQuery)),
                                HttpResponse.BodyHandlers.ofString())
                        .exceptionally(e -> null));
            }
        }
        return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<String> bodies = new ArrayList<>();
            for (CompletableFuture<HttpResponse<String>> answer : asked) {
                HttpResponse<String> response = answer.join();
                if (response == null || response.statusCode() != 200) {
                    return Optional.empty();
                }
                bodies.add(response.body());
            }
            return Optional.of(bodies);
        });
    }

    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * Whether this instance's threads own the partition; a check that does not depend on the advertised
     * {@code application.server} matching this instance's address (behind a proxy, or in a test on a random port).
     */
    private boolean ownsLocally(String sourceTopic, int partition) {
        return streams.metadataForLocalThreads().stream()
                .flatMap(thread -> thread.activeTasks().stream())
                .flatMap(task -> task.topicPartitions().stream())
                .anyMatch(tp -> tp.topic().equals(sourceTopic) && tp.partition() == partition);
    }

    private <V, T> Answer<T> local(String store, String what, String key, int partition, Function<V, T> view) {
        try {
            ReadOnlyKeyValueStore<String, V> values = streams.store(StoreQueryParameters
                    .fromNameAndType(store, QueryableStoreTypes.<String, V>keyValueStore()).withPartition(partition));
            return Optional.ofNullable(values.get(key)).<Answer<T>>map(value -> new Answer.Found<>(view.apply(value)))
                    .orElse(new Answer.NotFound<>());
        } catch (InvalidStateStoreException e) {
            return new Answer.Unavailable<>("the " + what + "'s partition is being restored or moved: "
                    + e.getMessage());
        }
    }

    private HttpRequest peerRequest(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).header("Authorization", peerAuthorization)
                .GET().build();
    }

    private static URI uri(HostInfo instance, String pathAndQuery) {
        return URI.create("http://" + instance.host() + ":" + instance.port() + pathAndQuery);
    }
}
