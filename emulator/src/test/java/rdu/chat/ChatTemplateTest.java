package rdu.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.model.CheckpointException;

/**
 * Chat templates in the styles of the instruct checkpoints people run, rendered to the exact prompts their model
 * cards document. The templates are those checkpoints' own (Qwen2.5's without its tool-calling branches), written as
 * tokenizer_config.json holds them: Jinja string literals with backslash escapes.
 */
class ChatTemplateTest {

    /** Meta-Llama-3-8B-Instruct's template. */
    static final String LLAMA3 = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content ="
            + " '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim +"
            + " '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
            + "{{ content }}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

    /** Qwen2.5-Instruct's template without tools: ChatML, written with whitespace control over several lines. */
    static final String QWEN2 = """
            {%- if messages[0]['role'] == 'system' %}
                {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
            {%- else %}
                {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}
            {%- endif %}
            {%- for message in messages %}
                {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
                    {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
                {%- endif %}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\\n' }}
            {%- endif %}
            """;

    /** gemma-2-9b-it's template: no system role, strictly alternating turns, the assistant called "model". */
    static final String GEMMA = "{{ bos_token }}{% if messages[0]['role'] == 'system' %}"
            + "{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
            + "{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}"
            + "{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] |"
            + " trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}"
            + "{% endif %}";

    /** Llama-3.2-1B-Instruct's template without the branches that write tools and tool calls. */
    static final String LLAMA32 = """
            {{- bos_token }}
            {%- if not date_string is defined %}
                {%- if strftime_now is defined %}
                    {%- set date_string = strftime_now("%d %b %Y") %}
                {%- else %}
                    {%- set date_string = "26 Jul 2024" %}
                {%- endif %}
            {%- endif %}
            {%- if not tools is defined %}
                {%- set tools = none %}
            {%- endif %}

            {#- This block extracts the system message, so we can slot it into the right place. #}
            {%- if messages[0]['role'] == 'system' %}
                {%- set system_message = messages[0]['content']|trim %}
                {%- set messages = messages[1:] %}
            {%- else %}
                {%- set system_message = "" %}
            {%- endif %}

            {#- System message #}
            {{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}
            {%- if tools is not none %}
                {{- "Environment: ipython\\n" }}
            {%- endif %}
            {{- "Cutting Knowledge Date: December 2023\\n" }}
            {{- "Today Date: " + date_string + "\\n\\n" }}
            {{- system_message }}
            {{- "<|eot_id|>" }}

            {%- for message in messages %}
                {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
                    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}
                {%- endif %}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
            {%- endif %}
            """;

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void llama3WritesHeadersAndEndOfTurnAfterOneBos() throws IOException {
        ChatTemplate t = write(LLAMA3, "<|begin_of_text|>", "<|eot_id|>");
        String prompt = t.render(List.of(Message.system(" Be brief. "), Message.user("Hi\n")), true);
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", prompt);
        assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
                t.render(List.of(Message.user("Hi")), false), "no generation prompt unless asked");
    }

    @Test
    void qwen2ChatMlAddsItsDefaultSystemMessageAndKeepsTheContentAsIs() throws IOException {
        ChatTemplate t = write(QWEN2, null, "<|im_end|>");
        assertEquals("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant."
                + "<|im_end|>\n<|im_start|>user\n Hi <|im_end|>\n<|im_start|>assistant\n",
                t.render(List.of(Message.user(" Hi ")), true));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nAnd you?<|im_end|>\n"
                + "<|im_start|>assistant\n", t.render(List.of(Message.system("Be brief."), Message.user("Hi"),
                Message.assistant("Hello!"), Message.user("And you?")), true));
    }

    @Test
    void gemmaCallsTheAssistantModelAndRefusesASystemMessage() throws IOException {
        ChatTemplate t = write(GEMMA, "<bos>", "<eos>");
        assertEquals("<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n"
                + "<start_of_turn>user\nHow are you?<end_of_turn>\n<start_of_turn>model\n",
                t.render(List.of(Message.user("Hi"), Message.assistant("Hello!"), Message.user("How are you?")), true));
        var e = assertThrows(CheckpointException.class,
                () -> t.render(List.of(Message.system("Be brief."), Message.user("Hi")), true));
        assertEquals(dir.resolve(ChatTemplate.CONFIG_FILE) + ": chat_template refuses the conversation: System role"
                + " not supported", e.getMessage());
        e = assertThrows(CheckpointException.class,
                () -> t.render(List.of(Message.user("Hi"), Message.user("Hi again")), true));
        assertEquals(dir.resolve(ChatTemplate.CONFIG_FILE) + ": chat_template refuses the conversation: Conversation"
                + " roles must alternate user/assistant/user/assistant/...", e.getMessage());
    }

    /** Qwen3 and DeepSeek-R1 style: the answer after the reasoning, with Python's string methods. */
    @Test
    void pythonStringMethodsWork() throws IOException {
        ChatTemplate t = write("{%- for m in messages %}{%- set c = m.content %}"
                + "{%- if c.startswith('<think>') and c.endswith('!') %}{{- c.split('</think>')[-1].lstrip('\\n') }}"
                + "{%- else %}{{- c.rstrip('.x').upper() + '|' + c.lower().strip() + '|' + c.split() | join(',') }}"
                + "{%- endif %}{{- '\\n' }}{%- endfor %}", null, null);
        assertEquals("Hello!\n A B |a b x.|A,b,x.\n",
                t.render(List.of(Message.assistant("<think>hm</think>\n\nHello!"), Message.user(" A b x.")), false));
    }

    @Test
    void namespacesAndDictionaryIterationWorkAsInJinja() throws IOException {
        ChatTemplate t = write("{%- set ns = namespace(system=false) %}{%- for m in messages %}"
                + "{%- if m['role'] == 'system' %}{%- set ns.system = true %}{%- endif %}{%- endfor %}"
                + "{{- ns.system }}{% for key in messages[0] %}|{{ key }}{% endfor %}|{{ messages[0] | tojson }}\n",
                null, null);
        assertEquals("True|role|content|{\"role\":\"system\",\"content\":\"S\"}",
                t.render(List.of(Message.system("S"), Message.user("Hi")), false),
                "one newline at the end of the source is dropped");
        assertEquals("False|role|content|{\"role\":\"user\",\"content\":\"Hi\"}",
                t.render(List.of(Message.user("Hi")), false));
    }

    /**
     * Python's str() of the value, as Jinja2 prints it: True, False and None for the literals, a flag and a name bound
     * to None, nothing for an undefined name; and a message is printed, never rendered again as a template.
     */
    @Test
    void booleansAndNonePrintAsPythonPrintsThem() throws IOException {
        ChatTemplate t = write("{{ true }} {{ false }} {{ none }} {{ True }} {{ None }} {{ add_generation_prompt }}"
                + " {{ 1 == 2 }} [{{ undefined_name }}{{ bos_token }}]|{% set x = none %}{{ x }}"
                + "|{% for y in [none, 1] %}{{ y }},{% endfor %} {{ messages[0].content }}", null, null);
        assertEquals("True False None True None True False []|None|None,1, {{ 1 + 1 }}",
                t.render(List.of(Message.user("{{ 1 + 1 }}")), true));
    }

    /**
     * Llama 3.2 Instruct's template (without its tool-calling branches) dates the system prompt with strftime_now
     * when it is defined, as Hugging Face defines it, and with its training date otherwise.
     */
    @Test
    void llama32DatesItsSystemPromptWithStrftimeNow() throws IOException {
        ChatTemplate t = write(LLAMA32, "<|begin_of_text|>", "<|eot_id|>");
        var python = DateTimeFormatter.ofPattern("dd MMM yyyy", Locale.US); // %d %b %Y in the C locale
        String before = LocalDate.now().format(python);
        String prompt = t.render(List.of(Message.system("Be brief."), Message.user("Hi")), true);
        String after = LocalDate.now().format(python);
        String expected = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date:"
                + " December 2023\nToday Date: %s\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>"
                + "\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
        assertTrue(prompt.equals(expected.formatted(before)) || prompt.equals(expected.formatted(after)), prompt);
        assertEquals(LocalDate.now().toString(), write("{{ strftime_now('%Y-%m-%d') }}", null, null)
                .render(List.of(), false), "%Y-%m-%d is ISO's date (the test fails in the second of midnight)");
    }

    @Test
    void theDefaultOfNamedTemplatesIsUsedAndTokensMayBeObjects() throws IOException {
        ObjectNode config = JSON.createObjectNode();
        config.putArray("chat_template")
                .add(JSON.createObjectNode().put("name", "tool_use").put("template", "tools"))
                .add(JSON.createObjectNode().put("name", "default").put("template", "{{ bos_token }}chat"));
        config.putObject("bos_token").put("__type", "AddedToken").put("content", "<s>");
        Files.writeString(dir.resolve(ChatTemplate.CONFIG_FILE), config.toString());
        ChatTemplate t = ChatTemplate.beside(dir);
        assertEquals("<s>chat", t.render(List.of(), false));
        assertNull(t.eosToken());
    }

    @Test
    void aChatTemplateFileWinsOverTokenizerConfig() throws IOException {
        write("config", "<s>", "</s>");
        Files.writeString(dir.resolve(ChatTemplate.TEMPLATE_FILE), "file {{ eos_token }}\n");
        ChatTemplate t = ChatTemplate.beside(dir.resolve("model.safetensors"));
        assertEquals("file </s>", t.render(List.of(), false));
        assertEquals(dir.resolve(ChatTemplate.TEMPLATE_FILE), t.file());
    }

    @Test
    void badTemplatesAndConfigsAreOneLineErrorsNamingTheField() throws IOException {
        Path config = dir.resolve(ChatTemplate.CONFIG_FILE);
        assertError("file not found; a chat needs the chat template an instruct checkpoint keeps there"
                + " (chat_template) or in chat_template.jinja");
        Files.writeString(config, "{\"bos_token\": \"<s>\"}");
        assertError("chat_template: expected a Jinja chat template (instruct checkpoints have one), found none");
        Files.writeString(config, "{\"chat_template\": 3}");
        assertError("chat_template: expected a string or a list of named templates, found 3 (number)");
        Files.writeString(config, "{\"chat_template\": [{\"name\": \"rag\", \"template\": \"x\"}]}");
        assertError("chat_template: expected a template named \"default\" among the named ones, found the names [\"rag\"]");
        Files.writeString(config, "{\"chat_template\": \"x\", \"eos_token\": 2}");
        assertError("eos_token: expected a string or an object with a string \"content\", found 2 (number)");
        ChatTemplate unclosed = write("{% for m in messages %}{{ m.content }}", null, null);
        var e = assertThrows(CheckpointException.class, () -> unclosed.render(List.of(Message.user("Hi")), true));
        assertEquals(config + ": chat_template cannot be rendered: Syntax error in '{% for m in messages %}': Missing"
                + " end tag: endfor for tag defined as: {% for m in messages %} (template line 1)", e.getMessage());
    }

    private void assertError(String message) {
        var e = assertThrows(CheckpointException.class, () -> ChatTemplate.beside(dir));
        assertEquals(dir.resolve(ChatTemplate.CONFIG_FILE) + ": " + message, e.getMessage());
    }

    private ChatTemplate write(String template, String bos, String eos) throws IOException {
        ObjectNode config = JSON.createObjectNode().put("chat_template", template);
        if (bos != null) {
            config.put("bos_token", bos);
        }
        if (eos != null) {
            config.put("eos_token", eos);
        }
        Files.writeString(dir.resolve(ChatTemplate.CONFIG_FILE), config.toString());
        return ChatTemplate.beside(dir);
    }
}
