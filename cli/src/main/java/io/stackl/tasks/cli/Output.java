package io.stackl.tasks.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.stackl.tasks.client.ProblemException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** How results are printed: a table for people, JSON or YAML for programs. */
final class Output {

    enum Format { table, json, yaml }

    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private Output() {}

    /** {@code node} as JSON (pretty) or YAML; a table format prints it as JSON too. */
    static void document(PrintWriter out, Format format, JsonNode node) {
        try {
            if (format == Format.yaml) {
                out.print(YAML.writeValueAsString(node));
            } else {
                out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        out.flush();
    }

    /** A client record (an outcome, a document) as JSON, its instants as ISO-8601 text. */
    static JsonNode tree(Object value) {
        return JSON.valueToTree(value);
    }

    /** One line of JSON (for streams: one event per line). */
    static String compact(JsonNode node) {
        return node == null ? "null" : node.toString();
    }

    /** A problem as one line: {@code 400 /problems/invalid-task: timeoutMs must be ... }. */
    static String oneLine(ProblemException problem) {
        StringBuilder line = new StringBuilder().append(problem.status());
        if (problem.type() != null) {
            line.append(' ').append(problem.type());
        }
        String detail = problem.detail() != null ? problem.detail() : problem.title();
        if (detail == null && problem.body() != null) {
            detail = problem.body().isTextual() ? problem.body().asText() : problem.body().toString();
        }
        if (detail != null) {
            line.append(": ").append(detail);
        }
        return line.toString();
    }

    /** A table with a header row; columns as wide as their widest cell, the last one not padded. */
    static void table(PrintWriter out, List<String> header, List<List<String>> rows) {
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        int[] widths = new int[header.size()];
        for (List<String> row : all) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], cell(row.get(i)).length());
            }
        }
        for (List<String> row : all) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                String cell = cell(row.get(i));
                line.append(i == row.size() - 1 ? cell : pad(cell, widths[i] + 2));
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }

    /** Key and value pairs, one per line, keys aligned. */
    static void fields(PrintWriter out, List<String[]> pairs) {
        int width = pairs.stream().mapToInt(p -> p[0].length()).max().orElse(0);
        for (String[] pair : pairs) {
            out.println(pad(pair[0] + ":", width + 2) + cell(pair[1]));
        }
        out.flush();
    }

    /** A JSON value shortened to fit a table cell. */
    static String shortJson(JsonNode node, int max) {
        if (node == null || node.isNull()) {
            return "-";
        }
        String text = node.isTextual() ? node.asText() : node.toString();
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }

    private static String cell(String value) {
        return value == null ? "-" : value;
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
    }
}
