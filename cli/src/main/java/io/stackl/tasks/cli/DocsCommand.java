package io.stackl.tasks.cli;

import io.stackl.tasks.client.Document;
import io.stackl.tasks.client.DocumentChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "docs", description = "Read documents and their history. Changes go through tasks (topic document).",
        subcommands = {DocsCommand.Get.class, DocsCommand.ListDocs.class, DocsCommand.History.class})
final class DocsCommand {

    @Command(name = "get", description = "A document's current value (-o table prints the value as JSON).")
    static final class Get extends ClientCommand {

        @Parameters(paramLabel = "KEY")
        String key;

        @Override
        public Integer call() {
            Optional<Document> document = client().document(key);
            if (document.isEmpty()) {
                err().println("error: no document " + key);
                err().flush();
                return ExitCodes.ERROR;
            }
            Document d = document.get();
            if (format() == Output.Format.table) {
                Output.fields(out(), List.of(new String[] {"key", d.key()},
                        new String[] {"version", String.valueOf(d.version())},
                        new String[] {"updated", d.updatedAt() + " by task " + d.updatedBy()}));
                Output.document(out(), Output.Format.json, d.value());
            } else {
                Output.document(out(), format(), Output.tree(d));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", description = "Documents by key prefix, in key order; page with --after.")
    static final class ListDocs extends ClientCommand {

        @Parameters(paramLabel = "PREFIX", defaultValue = "", description = "Key prefix (default: all)")
        String prefix;

        @Option(names = "--after", paramLabel = "KEY", description = "Start after this key")
        String after;

        @Option(names = {"-n", "--limit"}, paramLabel = "N", defaultValue = "50", description = "At most N (1 to 1000)")
        int limit;

        @Override
        public Integer call() {
            List<Document> documents = client().documents(prefix, after, limit);
            if (format() != Output.Format.table) {
                Output.document(out(), format(), Output.tree(documents));
                return ExitCodes.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            for (Document d : documents) {
                rows.add(List.of(d.key(), String.valueOf(d.version()), String.valueOf(d.updatedAt()),
                        Output.shortJson(d.value(), 60)));
            }
            Output.table(out(), List.of("KEY", "VERSION", "UPDATED", "VALUE"), rows);
            return ExitCodes.OK;
        }
    }

    @Command(name = "history", description = {"The changes tasks made to a document, newest first:",
            "the value before each (from the snapshot taken before the write), and whether a rollback restored it."})
    static final class History extends ClientCommand {

        @Parameters(paramLabel = "KEY")
        String key;

        @Option(names = {"-n", "--limit"}, paramLabel = "N", defaultValue = "20", description = "At most N (1 to 1000)")
        int limit;

        @Override
        public Integer call() {
            List<DocumentChange> changes = client().documentHistory(key, limit);
            if (format() != Output.Format.table) {
                Output.document(out(), format(), Output.tree(changes));
                return ExitCodes.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            for (DocumentChange c : changes) {
                rows.add(List.of(String.valueOf(c.takenAt()), c.taskId(),
                        c.previousVersion() == null ? "(new)" : "v" + c.previousVersion(),
                        Output.shortJson(c.previousValue(), 40),
                        c.restoredAt() == null ? "" : "restored " + c.restoredAt()));
            }
            Output.table(out(), List.of("CHANGED AT", "BY TASK", "BEFORE", "VALUE BEFORE", "ROLLBACK"), rows);
            return ExitCodes.OK;
        }
    }

}
