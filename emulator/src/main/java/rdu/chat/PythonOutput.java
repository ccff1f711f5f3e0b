package rdu.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.expression.ExpressionStrategy;
import com.hubspot.jinjava.tree.output.RenderedOutputNode;
import com.hubspot.jinjava.tree.parse.ExpressionToken;
import com.hubspot.jinjava.util.ScopeMap;
import java.io.Serial;
import java.util.regex.Pattern;

/**
 * How {@code {{ expression }}} prints its value, as Python's Jinja2 does (str of the value) where jinjava differs:
 * booleans print {@code True} and {@code False}, and None prints {@code None}, while an undefined name prints nothing.
 * jinjava holds both None and undefined as null, so None is told apart by the expression: the {@code none} literal, or
 * a name the template or the context has bound (to None). The output is never rendered again as a template, so a
 * message holding "{{" prints as it is.
 */
final class PythonOutput implements ExpressionStrategy {

    @Serial
    private static final long serialVersionUID = 1L;

    private static final Pattern NONE = Pattern.compile("(?i)none");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_]\\w*");

    @Override
    public RenderedOutputNode interpretOutput(ExpressionToken token, JinjavaInterpreter interpreter) {
        Object value = interpreter.resolveELExpression(token.getExpr(), token.getLineNumber());
        return new RenderedOutputNode(switch (value) {
            case Boolean b -> b ? "True" : "False";
            case null -> isNone(token.getExpr().strip(), interpreter) ? "None" : "";
            default -> interpreter.getAsString(value);
        });
    }

    private static boolean isNone(String expression, JinjavaInterpreter interpreter) {
        return NONE.matcher(expression).matches() || NAME.matcher(expression).matches() && bound(expression,
                interpreter.getContext());
    }

    /** Whether a scope holds the name, None included (jinjava's containsKey takes None for absent). */
    private static boolean bound(String name, ScopeMap<String, Object> scope) {
        for (ScopeMap<String, Object> s = scope; s != null; s = s.getParent()) {
            if (s.getScope().containsKey(name)) {
                return true;
            }
        }
        return false;
    }
}
