package rdu.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import rdu.model.Checkpoint;
import rdu.model.CheckpointException;
import rdu.model.CheckpointFiles;
import rdu.tokenizer.HfTokenizer;

/**
 * A conversation with an instruct checkpoint: the messages so far, written by its chat template and encoded by its
 * tokenizer. Each question gives the whole conversation as the prompt, as the template writes it (a generator's
 * {@code Session} keeps the KV cache of what the prompts share).
 */
public final class Conversation {

    /** What the model is given for one turn: the rendered conversation and its token ids. */
    public record Prompt(String text, int[] ids) {
    }

    private final ChatTemplate template;
    private final HfTokenizer tokenizer;
    private final Set<Integer> stopTokens;
    private final List<Message> messages = new ArrayList<>();

    private Conversation(ChatTemplate template, HfTokenizer tokenizer, Set<Integer> stopTokens) {
        this.template = template;
        this.tokenizer = tokenizer;
        this.stopTokens = stopTokens;
    }

    /**
     * A conversation with the checkpoint's chat template, opened by the system message when {@code system} is not
     * null. A checkpoint without a chat template or a Hugging Face tokenizer is an error naming the file.
     */
    public static Conversation start(Checkpoint checkpoint, String system) {
        ChatTemplate template = ChatTemplate.beside(checkpoint.source());
        if (!(checkpoint.tokenizer() instanceof HfTokenizer tokenizer)) {
            throw new CheckpointException(checkpoint.source(), "a chat template needs the Hugging Face tokenizer"
                    + " (tokenizer.json) beside it");
        }
        var conversation = new Conversation(template, tokenizer, endOfTurn(template, tokenizer));
        if (system != null) {
            conversation.messages.add(Message.system(system));
        }
        return conversation;
    }

    /**
     * The tokenizer's eos token, which ends the assistant's turn in most templates; generation_config.json's eos
     * list, which the model's config holds, stops generation too.
     */
    private static Set<Integer> endOfTurn(ChatTemplate template, HfTokenizer tokenizer) {
        if (template.eosToken() == null) {
            return Set.of();
        }
        int[] ids = tokenizer.encodeAsIs(template.eosToken());
        if (ids.length != 1) {
            throw new CheckpointException(template.file(), "eos_token", "one token of the tokenizer",
                    CheckpointFiles.quoted(template.eosToken()) + ", which encodes to " + ids.length + " tokens");
        }
        return Set.of(ids[0]);
    }

    /**
     * Adds the user's message and gives the prompt for the assistant's answer: the whole conversation followed by
     * the start of the assistant's turn. A message the template refuses is not added.
     */
    public Prompt ask(String question) {
        List<Message> next = new ArrayList<>(messages);
        next.add(Message.user(question));
        String text = template.render(next, true);
        int[] ids = tokenizer.encodeAsIs(text);
        messages.add(next.getLast());
        return new Prompt(text, ids);
    }

    /** Adds the assistant's answer, so that the next question comes after it. */
    public void answer(String reply) {
        messages.add(Message.assistant(reply));
    }

    public List<Message> messages() {
        return List.copyOf(messages);
    }

    /** The ids that end the assistant's turn besides the model's own eos ids. */
    public Set<Integer> stopTokens() {
        return stopTokens;
    }
}
