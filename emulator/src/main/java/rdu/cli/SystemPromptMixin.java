package rdu.cli;

import picocli.CommandLine.Option;

/** {@code --system}, shared by the commands that chat (generate --chat, chat). */
final class SystemPromptMixin {

    @Option(names = "--system", paramLabel = "TEXT",
            description = "The system message that opens the conversation (instructions to the model), written by the"
                    + " chat template like the other messages. Default: none (a template may add its own).")
    String text;
}
