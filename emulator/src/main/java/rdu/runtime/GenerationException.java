package rdu.runtime;

/** A generation request that cannot be run as asked (e.g. a prompt longer than the model's context). */
public class GenerationException extends RuntimeException {

    public GenerationException(String message) {
        super(message);
    }
}
