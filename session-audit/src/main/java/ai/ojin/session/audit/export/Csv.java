package ai.ojin.session.audit.export;

import java.util.List;
import tools.jackson.databind.JsonNode;

/** RFC 4180 rows: fields quoted when they hold a comma, a quote or a line break; JSON null = empty. */
final class Csv {

    private Csv() {
    }

    static String row(List<String> fields) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(escape(fields.get(i)));
        }
        return sb.toString();
    }

    static String row(JsonNode object, List<String> columns) {
        return row(columns.stream().map(c -> {
            JsonNode v = object.get(c);
            if (v == null || v.isNull()) {
                return "";
            }
            return v.isString() ? v.asString() : v.toString();
        }).toList());
    }

    private static String escape(String value) {
        if (value == null) {
            return "";
        }
        if (value.indexOf(',') >= 0 || value.indexOf('"') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
            return '"' + value.replace("\"", "\"\"") + '"';
        }
        return value;
    }
}
