package io.stackl.tasks.broker.query;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stackl.tasks.broker.domain.LockQueue;
import io.stackl.tasks.broker.topology.TopologyNames;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Reads document locks from {@code document-locks-store}: one key on whichever instance owns it, or the keys that
 * tasks wait for longest, from every instance. The store holds only keys that are held or waited for (a free key is
 * deleted), so a listing reads a small store.
 */
@ApplicationScoped
public class LockStateQuery {

    private final StoreQueries queries;
    private final ObjectMapper json;

    LockStateQuery(StoreQueries queries, ObjectMapper json) {
        this.queries = queries;
        this.json = json;
    }

    public CompletionStage<StoreQueries.Answer<LockView>> find(String key, boolean localOnly) {
        long now = System.currentTimeMillis();
        return queries.<LockQueue, LockView>find(TopologyNames.LOCKS_STORE, TopologyNames.LOCK_REQUESTS_TOPIC, "key",
                key, localOnly, queue -> LockView.of(key, queue, now, queries.self()),
                "/locks/" + StoreQueries.encode(key));
    }

    /**
     * The held keys of this instance, those with the longest-waiting first task first, then the longest held; empty
     * when its partitions cannot be read now.
     */
    public Optional<List<LockView>> local(int limit) {
        long now = System.currentTimeMillis();
        return queries.<LockQueue>localEntries(TopologyNames.LOCKS_STORE).map(entries -> longestFirst(entries.stream()
                .map(entry -> LockView.of(entry.key, entry.value, now, queries.self())).toList(), limit));
    }

    /**
     * The same across every instance, each asked for its own part; empty unless the broker runs and every part was
     * read, so that "no key is held" is never said of a listing with parts missing.
     */
    public CompletionStage<Optional<List<LockView>>> everywhere(int limit) {
        Optional<List<LockView>> mine = queries.running() ? local(limit) : Optional.empty();
        if (mine.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return queries.askOthers(TopologyNames.LOCKS_STORE, "/locks?local=true&limit=" + limit).thenApply(bodies -> {
            if (bodies.isEmpty()) {
                return Optional.empty();
            }
            List<LockView> all = new ArrayList<>(mine.get());
            for (String body : bodies.get()) {
                try {
                    all.addAll(json.readValue(body, new TypeReference<List<LockView>>() {}));
                } catch (IOException e) {
                    return Optional.empty();
                }
            }
            return Optional.of(longestFirst(all, limit));
        });
    }

    private static List<LockView> longestFirst(List<LockView> views, int limit) {
        return views.stream().sorted(Comparator.comparingLong(LockView::longestWaitMs).reversed()
                .thenComparing(view -> view.holder() == null || view.holder().heldMs() == null ? -1
                        : view.holder().heldMs(), Comparator.reverseOrder()))
                .limit(limit).toList();
    }
}
