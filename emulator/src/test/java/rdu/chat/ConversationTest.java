package rdu.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rdu.model.Checkpoint;
import rdu.model.CheckpointException;
import rdu.tokenizer.HfTokenizer;

class ConversationTest {

    @TempDir
    Path dir;

    @Test
    void eachQuestionIsTheWholeConversationSoFarEncodedAsIs() throws IOException {
        Path model = ChatModel.withTemplate(dir, ChatModel.TEMPLATE, "</s>");
        try (Checkpoint checkpoint = Checkpoint.open(model);
             HfTokenizer tokenizer = HfTokenizer.open(model.resolve("tokenizer.json"), 512)) {
            Conversation c = Conversation.start(checkpoint, "Tell stories.");
            assertEquals(Set.of(2), c.stopTokens(), "</s> ends the answer");
            Conversation.Prompt first = c.ask("Hi ");
            assertEquals("<s>system: Tell stories.\n<s>user: Hi\n<s>assistant:", first.text());
            assertArrayEquals(tokenizer.encodeAsIs(first.text()), first.ids());
            assertEquals(1, first.ids()[0], "the template's BOS, and no other before it");
            assertEquals(1, first.ids()[1 + tokenizer.encodeAsIs("system: Tell stories.\n").length], "BOS per message");
            c.answer(" Once upon a time");
            Conversation.Prompt second = c.ask("More");
            assertEquals("<s>system: Tell stories.\n<s>user: Hi\n<s>assistant: Once upon a time\n</s>"
                    + "<s>user: More\n<s>assistant:", second.text());
            assertEquals(List.of(Message.system("Tell stories."), Message.user("Hi "),
                    Message.assistant(" Once upon a time"), Message.user("More")), c.messages());
        }
    }

    @Test
    void aMessageTheTemplateRefusesIsNotKept() throws IOException {
        Path model = ChatModel.withTemplate(dir, "{% if messages[-1]['content'] == 'no' %}"
                + "{{ raise_exception('not that') }}{% endif %}{{ messages | length }}", "</s>");
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            Conversation c = Conversation.start(checkpoint, null);
            var e = assertThrows(CheckpointException.class, () -> c.ask("no"));
            assertEquals(model.resolve(ChatTemplate.CONFIG_FILE) + ": chat_template refuses the conversation: not that",
                    e.getMessage());
            assertEquals(List.of(), c.messages());
            assertEquals("1", c.ask("yes").text());
        }
    }

    /** Ordinary text gets the tokenizer's dummy-prefix space, so "." is two tokens: no single end-of-turn token. */
    @Test
    void anEosTokenThatIsNotOneTokenIsRefused() throws IOException {
        Path model = ChatModel.withTemplate(dir, ChatModel.TEMPLATE, ".");
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            var e = assertThrows(CheckpointException.class, () -> Conversation.start(checkpoint, null));
            assertEquals(model.resolve(ChatTemplate.CONFIG_FILE) + ": eos_token: expected one token of the tokenizer,"
                    + " found \".\", which encodes to 2 tokens", e.getMessage());
        }
    }

    @Test
    void aCheckpointWithoutChatTemplateIsOneLineNamingTheField() {
        try (Checkpoint checkpoint = Checkpoint.open(ChatModel.stories())) {
            var e = assertThrows(CheckpointException.class, () -> Conversation.start(checkpoint, null));
            assertEquals(ChatModel.stories().resolve(ChatTemplate.CONFIG_FILE) + ": chat_template: expected a Jinja chat"
                    + " template (instruct checkpoints have one), found none", e.getMessage());
        }
    }
}
