package io.stackl.tasks.history.service;

import static io.stackl.tasks.history.repository.Jdbc.inTransaction;

import io.stackl.tasks.history.config.HistoryConfig;
import io.stackl.tasks.history.error.HistoryException;
import io.stackl.tasks.history.metrics.HistoryMetrics;
import io.stackl.tasks.history.repository.DocumentRepository;
import io.stackl.tasks.history.repository.DocumentRepository.Document;
import io.stackl.tasks.history.repository.FenceRepository;
import io.stackl.tasks.history.repository.FenceRepository.Fence;
import io.stackl.tasks.history.repository.FenceRepository.LockHolder;
import io.stackl.tasks.history.repository.Jdbc;
import io.stackl.tasks.history.repository.SnapshotRepository;
import io.stackl.tasks.schema.ContentRules;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * Fenced document writes. In one transaction: lock the task's fence row (a rollback's seal locks it too, so the two
 * are serialised), check that the task is dispatched, unsealed, with the current token and the key declared; store
 * the document's pre-image as the task's next snapshot; write the document.
 */
@ApplicationScoped
public class DocumentService {

    private final DataSource dataSource;
    private final HistoryMetrics metrics;
    private final Set<String> taskTopics;
    private final FenceArrivals arrivals;
    private final Duration fenceWait;

    DocumentService(DataSource dataSource, HistoryMetrics metrics, HistoryConfig config, FenceArrivals arrivals) {
        this.dataSource = dataSource;
        this.metrics = metrics;
        this.taskTopics = Set.copyOf(config.taskTopics());
        this.arrivals = arrivals;
        this.fenceWait = config.fenceWait();
    }

    public record WriteResult(String key, Long version, int snapshotSequence, boolean deleted) {}

    /**
     * @param executionId the worker's run of the work item, or null from a worker that does not send one (then a
     *     second run of the same attempt cannot be told apart)
     */
    public WriteResult put(String key, String taskId, long fencingToken, String executionId, String valueJson) {
        return write(key, taskId, fencingToken, executionId, valueJson);
    }

    public WriteResult delete(String key, String taskId, long fencingToken, String executionId) {
        return write(key, taskId, fencingToken, executionId, null);
    }

    /** Records what undoes an external action before the handler does it; a snapshot of kind EXTERNAL. */
    public int recordUndo(String taskId, long fencingToken, String executionId, String handlerTopic,
            String handlerSubtype, String undoJson) {
        try {
            refuseUnstorable(null, undoJson == null ? "" : undoJson, "the undo record");
            refuseBadName("the execution id", executionId);
            if (!taskTopics.contains(handlerTopic)) {
                // Its compensation work item goes to task-work.<handlerTopic>: a topic nobody serves would never be
                // undone, and one that does not exist could not even be sent.
                throw HistoryException.invalidContent("the undo record's handler topic " + ContentRules.quote(
                        handlerTopic) + " is not a task topic (known: " + String.join(", ", new TreeSet<>(taskTopics))
                        + ")");
            }
            refuseBadName("the handler subtype", handlerSubtype);
            return underFence(taskId, c -> {
                Fence fence = lockFence(c, taskId, fencingToken, executionId);
                if (!handlerTopic.equals(fence.topic())) {
                    // The rollback hands every undo record of a task to the workers of its topic, in one item.
                    throw HistoryException.invalidContent("the undo record's handler topic " + ContentRules.quote(
                            handlerTopic) + " is not the task's topic " + ContentRules.quote(fence.topic()));
                }
                int seq = fence.lastSnapshotSeq() + 1;
                SnapshotRepository.insertExternal(c, taskId, seq, handlerTopic, handlerSubtype, undoJson, fencingToken);
                FenceRepository.advanceSnapshotSeq(c, taskId, seq);
                return seq;
            });
        } catch (HistoryException e) {
            metrics.refused(e.type());
            throw e;
        }
    }

    /** One change of a {@link #writeAll} request: a value to write, or a delete ({@code valueJson} null). */
    public record Change(String key, String valueJson) {}

    /** The most changes one request may carry; a task with more sends them in several requests. */
    public static final int MAX_CHANGES_PER_REQUEST = 1000;

    /**
     * Several fenced writes of one task in one transaction, in order, all or none: the fence row is locked once, and
     * each change is snapshotted and written exactly as {@link #put} and {@link #delete} do it one at a time. The
     * first change that is refused refuses the request, and none of its changes is kept.
     */
    public List<WriteResult> writeAll(String taskId, long fencingToken, String executionId, List<Change> changes) {
        if (changes.isEmpty() || changes.size() > MAX_CHANGES_PER_REQUEST) {
            throw HistoryException.badRequest("a request carries 1 to " + MAX_CHANGES_PER_REQUEST + " changes, not "
                    + changes.size());
        }
        try {
            refuseBadName("the execution id", executionId);
            for (Change change : changes) {
                refuseUnstorable(change.key(), change.valueJson(), "the value of " + ContentRules.quote(change.key()));
            }
            // The write's own time, from its last try: not the wait for its fence.
            long[] started = new long[1];
            List<WriteResult> results = underFence(taskId, c -> {
                started[0] = System.nanoTime();
                Fence fence = lockFence(c, taskId, fencingToken, executionId);
                List<WriteResult> written = new ArrayList<>(changes.size());
                int seq = fence.lastSnapshotSeq();
                for (Change change : changes) {
                    written.add(writeUnderFence(c, fence, taskId, fencingToken, change, ++seq));
                }
                FenceRepository.advanceSnapshotSeq(c, taskId, seq);
                return written;
            });
            // Per change, so that the meter's count stays the number of documents written.
            long each = (System.nanoTime() - started[0]) / changes.size();
            for (int i = 0; i < changes.size(); i++) {
                metrics.written(each);
            }
            return results;
        } catch (HistoryException e) {
            metrics.refused(e.type());
            throw e;
        }
    }

    /**
     * Runs a fenced unit of work in a transaction. When the task's fence is not known yet (its DISPATCHED event is on
     * its way), waits until the service is told it was recorded, up to {@code tasks.history.fence-wait}, and runs it
     * once more (ADR 0011). The registration comes before a second check, so an event recorded in between is not
     * missed; each try is a transaction of its own, so a waiting write holds no lock and no connection. While the
     * service does not listen for arrivals, a write for an unknown task is refused at once, as with no wait.
     */
    private <T> T underFence(String taskId, Jdbc.Work<T> work) {
        Optional<FenceArrivals.Wait> registered;
        try {
            return inTransaction(dataSource, work);
        } catch (HistoryException e) {
            if (!HistoryException.TASK_NOT_YET_KNOWN.equals(e.type()) || fenceWait.isZero()) {
                throw e;
            }
            // Empty while nobody listens for arrivals, or while too many writes wait: answered at once, as before.
            registered = arrivals.register(taskId);
            if (registered.isEmpty()) {
                throw e;
            }
        }
        try (FenceArrivals.Wait wait = registered.get()) {
            try {
                return inTransaction(dataSource, work);
            } catch (HistoryException e) {
                if (!HistoryException.TASK_NOT_YET_KNOWN.equals(e.type())) {
                    throw e;
                }
            }
            boolean interrupted = false;
            try {
                wait.await(fenceWait);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            try {
                // Told, woken, timed out or interrupted: the answer as it stands now (503 if still unknown). Not
                // interrupted meanwhile, or the pool could refuse the connection and turn a 503 into a 500.
                return inTransaction(dataSource, work);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private WriteResult write(String key, String taskId, long fencingToken, String executionId, String valueJson) {
        return writeAll(taskId, fencingToken, executionId, List.of(new Change(key, valueJson))).get(0);
    }

    /** One change, with the task's fence row already locked: checks the key, snapshots its pre-image, writes. */
    private static WriteResult writeUnderFence(Connection c, Fence fence, String taskId, long fencingToken,
            Change change, int seq) throws SQLException {
        String key = change.key();
        int index = fence.declaredKeys().indexOf(key);
        if (index < 0) {
            throw HistoryException.undeclaredKey(taskId, key);
        }
        if (index < fence.lockEpochs().size()) {
            requireLockHolder(c, key, taskId, fence.lockEpochs().get(index));
        }
        Document before = DocumentRepository.find(c, key, true);
        Long version = change.valueJson() == null ? null : before == null ? 1 : before.version() + 1;
        SnapshotRepository.insertDocument(c, taskId, seq, key, before == null ? null : before.valueJson(),
                before == null ? null : before.version(), change.valueJson(), version, fencingToken);
        if (change.valueJson() == null) {
            DocumentRepository.delete(c, key);
            return new WriteResult(key, null, seq, true);
        }
        DocumentRepository.upsert(c, key, change.valueJson(), version, taskId);
        return new WriteResult(key, version, seq, false);
    }

    private static void refuseBadName(String what, String value) {
        String problem = ContentRules.nameProblem(what, value, ContentRules.MAX_NAME_CHARS);
        if (problem != null) {
            throw HistoryException.invalidContent(problem);
        }
    }

    /** Checked before the transaction: a value PostgreSQL would refuse is the writer's error, not the database's. */
    private static void refuseUnstorable(String key, String json, String what) {
        String problem = key == null ? null : ContentRules.documentKeyProblem(key);
        if (problem == null) {
            problem = ContentRules.jsonProblem(what, json);
        }
        if (problem != null) {
            throw HistoryException.invalidContent(problem);
        }
    }

    /**
     * Locks the fence row and checks the task may write; the lock is what orders writes against the seal. The first
     * execution that writes for the current token claims it; another execution of the same attempt is refused.
     */
    static Fence lockFence(Connection c, String taskId, long fencingToken, String executionId) throws SQLException {
        Fence fence = FenceRepository.lockForWrite(c, taskId);
        if (fence == null) {
            throw HistoryException.taskNotYetKnown(taskId);
        }
        if (fencingToken < fence.fencingToken()) {
            throw HistoryException.staleToken(taskId, fencingToken, fence.fencingToken());
        }
        if (fencingToken > fence.fencingToken()) {
            // The broker dispatched a newer attempt that history has not seen yet. Asked before the seal, which is the
            // fence's current attempt's: a retry's first write can come before its DISPATCHED event, while the fence
            // still holds the previous attempt, sealed by its rollback. Its DISPATCHED event opens the fence.
            throw HistoryException.taskNotYetKnown(taskId);
        }
        if (fence.sealed()) {
            throw HistoryException.sealed(taskId, fence.state());
        }
        if (!"DISPATCHED".equals(fence.state())) {
            throw HistoryException.notInFlight(taskId, fence.state());
        }
        if (executionId == null) {
            if (fence.executor() != null) {
                // A writer that does not say which run it is cannot be told from a second run: refused once a run has
                // claimed the attempt.
                throw HistoryException.attemptRunTwice(taskId, fencingToken);
            }
        } else if (fence.executor() == null) {
            FenceRepository.claim(c, taskId, executionId);
        } else if (!fence.executor().equals(executionId)) {
            throw HistoryException.attemptRunTwice(taskId, fencingToken);
        }
        return fence;
    }

    /**
     * The write's task must hold the key's latest lock as the history service knows it. A later epoch means the broker
     * has since granted the key to another task (this one finished, or this is a late copy of it): refused. The row
     * lock orders this check against the update that records the next grant.
     */
    private static void requireLockHolder(Connection c, String key, String taskId, long epoch) throws SQLException {
        LockHolder holder = FenceRepository.lockHolder(c, key);
        if (holder != null && (holder.epoch() > epoch || (holder.epoch() == epoch && !holder.taskId().equals(taskId)))) {
            throw HistoryException.lockSuperseded(taskId, key, holder.taskId());
        }
    }

    public Document get(String key) {
        Document document = inTransaction(dataSource, c -> DocumentRepository.find(c, key, false));
        if (document == null) {
            throw HistoryException.notFound("document", key);
        }
        return document;
    }

    public List<Document> list(String prefix, String after, int limit) {
        return inTransaction(dataSource, c -> DocumentRepository.list(c, prefix, after, limit));
    }
}
