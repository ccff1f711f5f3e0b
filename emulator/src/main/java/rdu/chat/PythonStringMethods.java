package rdu.chat;

import java.beans.FeatureDescriptor;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * The Python string methods Hugging Face chat templates call, which jinjava (whose strings are Java strings) lacks:
 * {@code strip}, {@code lstrip} and {@code rstrip} with or without the characters to strip, {@code startswith},
 * {@code endswith}, {@code upper}, {@code lower} and {@code split}. Any other method falls through to jinjava's own
 * resolution (Java's {@code replace} serves Python's).
 */
final class PythonStringMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || !(method instanceof String name)) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result = switch (name + "/" + args.length) {
            case "strip/0", "strip/1" -> strip(s, chars(args), true, true);
            case "lstrip/0", "lstrip/1" -> strip(s, chars(args), true, false);
            case "rstrip/0", "rstrip/1" -> strip(s, chars(args), false, true);
            case "startswith/1" -> s.startsWith(String.valueOf(args[0]));
            case "endswith/1" -> s.endsWith(String.valueOf(args[0]));
            case "upper/0" -> s.toUpperCase(Locale.ROOT);
            case "lower/0" -> s.toLowerCase(Locale.ROOT);
            case "split/0" -> s.isBlank() ? List.of() : Arrays.asList(s.strip().split("\\s+"));
            case "split/1" -> split(s, String.valueOf(args[0]));
            default -> null;
        };
        if (result != null) {
            context.setPropertyResolved(true);
        }
        return result;
    }

    /** The characters to strip: the argument, or null (whitespace) when there is none or it is None. */
    private static String chars(Object[] args) {
        return args.length == 0 || args[0] == null ? null : String.valueOf(args[0]);
    }

    private static String strip(String s, String chars, boolean leading, boolean trailing) {
        if (chars == null) {
            return leading && trailing ? s.strip() : leading ? s.stripLeading() : s.stripTrailing();
        }
        int from = 0;
        int to = s.length();
        while (leading && from < to && chars.indexOf(s.charAt(from)) >= 0) {
            from++;
        }
        while (trailing && to > from && chars.indexOf(s.charAt(to - 1)) >= 0) {
            to--;
        }
        return s.substring(from, to);
    }

    /** Python's str.split(sep): every piece between separators, empty ones included. */
    private static List<String> split(String s, String separator) {
        if (separator.isEmpty()) {
            throw new IllegalArgumentException("split: empty separator");
        }
        return Arrays.asList(s.split(Pattern.quote(separator), -1));
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
