package rdu.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.mode.ExecutionMode;
import java.io.Serial;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;
import rdu.model.CheckpointException;
import rdu.model.CheckpointFiles;

/**
 * An instruct checkpoint's chat template: the Jinja program in tokenizer_config.json ({@code chat_template}, or a
 * chat_template.jinja file beside it) that writes a conversation the way the model was trained to read it, with the
 * special tokens it names ({@code bos_token}, {@code eos_token}).
 *
 * <p>Rendering follows Hugging Face's apply_chat_template: Jinja with trim_blocks and lstrip_blocks, the context
 * {@code messages}, {@code add_generation_prompt} and the special tokens, a {@code raise_exception(message)}
 * function by which a template refuses a conversation, and {@code strftime_now(format)}, the local time as Python's
 * strftime writes it (Llama 3.x templates date the system prompt with it).
 *
 * @param file     where the template was read, for errors
 * @param bosToken the text of the BOS token, or null when the file names none
 * @param eosToken the text of the EOS token, or null when the file names none
 */
public record ChatTemplate(Path file, String template, String bosToken, String eosToken) {

    public static final String CONFIG_FILE = "tokenizer_config.json";
    /** Newer checkpoints keep the template in a file of its own, which then wins over tokenizer_config.json's. */
    public static final String TEMPLATE_FILE = "chat_template.jinja";

    /** A prompt this long is far beyond any context; a template writing more is broken, not to be waited for. */
    static final long MAX_PROMPT_CHARS = 64L << 20;

    private static final Jinjava JINJA = jinja();

    /**
     * The template of the checkpoint at {@code source} (a model directory or a weights file), from the files beside
     * it; a checkpoint without one is an error naming the file and the field.
     */
    public static ChatTemplate beside(Path source) {
        Path dir = Files.isDirectory(source) ? source : source.toAbsolutePath().getParent();
        Path config = dir.resolve(CONFIG_FILE);
        Path templateFile = dir.resolve(TEMPLATE_FILE);
        JsonNode tokens = Files.exists(config) ? CheckpointFiles.readJsonObject(config) : null;
        if (Files.exists(templateFile)) {
            String template = new String(CheckpointFiles.readBytes(templateFile), StandardCharsets.UTF_8);
            return new ChatTemplate(templateFile, template, token(config, tokens, "bos_token"),
                    token(config, tokens, "eos_token"));
        }
        if (tokens == null) {
            throw new CheckpointException(config, "file not found; a chat needs the chat template an instruct"
                    + " checkpoint keeps there (chat_template) or in " + TEMPLATE_FILE);
        }
        return new ChatTemplate(config, template(config, tokens.path("chat_template")),
                token(config, tokens, "bos_token"), token(config, tokens, "eos_token"));
    }

    /**
     * {@code chat_template}: one template, or a list of named ones of which a chat uses "default" (the others are for
     * tool use or retrieval).
     */
    private static String template(Path file, JsonNode value) {
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.isArray()) {
            List<String> names = new ArrayList<>();
            for (JsonNode named : value) {
                String name = named.path("name").asText(null);
                if (!named.path("template").isTextual() || !named.path("name").isTextual()) {
                    throw new CheckpointException(file, "chat_template[" + names.size() + "]",
                            "an object with the strings \"name\" and \"template\"", CheckpointFiles.describe(named));
                }
                if (name.equals("default")) {
                    return named.path("template").textValue();
                }
                names.add(CheckpointFiles.quoted(name)); // quoted: a name may hold a line break
            }
            throw new CheckpointException(file, "chat_template", "a template named \"default\" among the named ones",
                    "the names " + names);
        }
        if (value.isMissingNode() || value.isNull()) {
            throw new CheckpointException(file, "chat_template", "a Jinja chat template (instruct checkpoints have"
                    + " one)", "none");
        }
        throw new CheckpointException(file, "chat_template", "a string or a list of named templates",
                CheckpointFiles.describe(value));
    }

    /** A special token: its text, or an object holding it as {@code content} (a saved AddedToken); null if absent. */
    private static String token(Path file, JsonNode tokens, String field) {
        JsonNode value = tokens == null ? null : tokens.path(field);
        if (value == null || value.isMissingNode() || value.isNull()) {
            return null;
        }
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.path("content").isTextual()) {
            return value.path("content").textValue();
        }
        throw new CheckpointException(file, field, "a string or an object with a string \"content\"",
                CheckpointFiles.describe(value));
    }

    /**
     * The conversation as the model reads it; with {@code addGenerationPrompt}, followed by the start of the
     * assistant's turn. A template that refuses the conversation (raise_exception) or fails to render is an error
     * naming the file.
     */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        Map<String, Object> context = new HashMap<>();
        List<Map<String, Object>> turns = new ArrayList<>();
        for (Message m : messages) {
            Map<String, Object> turn = new LinkedHashMap<>(); // in this order, as tojson prints it
            turn.put("role", m.role());
            turn.put("content", m.content());
            turns.add(turn);
        }
        context.put("messages", turns);
        context.put("add_generation_prompt", addGenerationPrompt);
        // an absent token stays undefined, as in Hugging Face's rendering (it then prints as nothing)
        if (bosToken != null) {
            context.put("bos_token", bosToken);
        }
        if (eosToken != null) {
            context.put("eos_token", eosToken);
        }
        // Jinja drops a single newline at the end of the source (keep_trailing_newline is off)
        String source = template.endsWith("\n") ? template.substring(0, template.length() - 1) : template;
        RenderResult result;
        try {
            result = JINJA.renderForResult(source, context);
        } catch (RuntimeException e) { // what jinjava does not turn into a template error (e.g. output too large)
            throw cannotRender(String.valueOf(e.getMessage()));
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() != TemplateError.ErrorType.FATAL) {
                continue;
            }
            for (Throwable t = error.getException(); t != null; t = t.getCause()) {
                if (t instanceof Raised raised) {
                    throw new CheckpointException(file, "chat_template refuses the conversation: "
                            + oneLine(String.valueOf(raised.getMessage())));
                }
            }
            throw cannotRender(error.getMessage()
                    + (error.getLineno() > 0 ? " (template line " + error.getLineno() + ")" : ""));
        }
        return result.getOutput();
    }

    /** jinjava's message, in one line and with Java's simple class names ("in class String"). */
    private CheckpointException cannotRender(String message) {
        return new CheckpointException(file, "chat_template cannot be rendered: "
                + oneLine(message).replaceAll("\\b(?:[a-z][a-z0-9_]*\\.)+([A-Z]\\w*)", "$1"));
    }

    private static String oneLine(String text) {
        return text.replaceAll("\\s*\\R\\s*", " ");
    }

    /**
     * Jinja as Hugging Face sets it up: blocks trimmed, Jinja's (not jinjava's legacy) rules for whitespace control
     * on expressions, operator precedence, backslashes and iteration over a mapping, Python's printing of booleans and
     * None, plus raise_exception, strftime_now and the Python string methods templates call.
     */
    private static Jinjava jinja() {
        var overrides = LegacyOverrides.newBuilder()
                .withUseTrimmingForNotesAndExpressions(true)
                .withUseNaturalOperatorPrecedence(true)
                .withParseWhitespaceControlStrictly(true)
                .withHandleBackslashInQuotesOnly(true)
                .withIterateOverMapKeys(true)
                .withEvaluateMapKeys(true)
                .withKeepNullableLoopValues(true)
                .build();
        var resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        var jinja = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true)
                .withLegacyOverrides(overrides).withElResolver(resolver).withMaxOutputSize(MAX_PROMPT_CHARS)
                .withExecutionMode(new ExecutionMode() {
                    @Override
                    public void prepareContext(Context context) {
                        context.setExpressionStrategy(new PythonOutput());
                    }
                }).build());
        for (var function : List.of(
                new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", String.class),
                new ELFunctionDefinition("", "strftime_now", ChatTemplate.class, "strftimeNow", String.class))) {
            jinja.getGlobalContext().registerFunction(function);
            // also a name, as in Python, so that a template may ask whether it "is defined" (Llama 3.2's does)
            jinja.getGlobalContext().put(function.getLocalName(), function);
        }
        return jinja;
    }

    /** strftime_now(format): Hugging Face's datetime.now().strftime(format), the local time. */
    public static String strftimeNow(String format) {
        return Strftime.format(LocalDateTime.now(), format);
    }

    /** raise_exception(message): the template's own refusal, reported with its message. */
    public static String raiseException(String message) {
        throw new Raised(message);
    }

    private static final class Raised extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        Raised(String message) {
            super(message);
        }
    }
}
