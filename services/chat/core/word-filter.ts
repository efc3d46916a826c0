import { textRefused } from "./refusals.js";

/**
 * A step every posted text passes before it is stored: it returns the text
 * to store, or throws a DomainError (TEXT_REFUSED) to refuse the post. Chat
 * takes one in its wiring, so a deployment may put a smarter one (a
 * classifier, a service) in place of the word list.
 */
export interface WordFilter {
  apply(text: string): string;
}

/**
 * The default filter: words of the list, matched whole and ignoring case,
 * are masked with asterisks of the same length ("you *****"). Masking, not
 * refusing, is the default because a refusal tells the writer exactly what
 * to misspell to get through, and punishes a whole message for one word;
 * `mode: "refuse"` refuses instead.
 */
export function createWordListFilter(words: readonly string[], mode: "mask" | "refuse" = "mask"): WordFilter {
  if (words.length === 0) return { apply: (text) => text };
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&"));
  // Whole words: not preceded or followed by a letter or digit (\b knows only ASCII).
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${escaped.join("|")})(?![\\p{L}\\p{N}])`, "giu");
  return {
    apply(text) {
      if (mode === "refuse") {
        pattern.lastIndex = 0;
        if (pattern.test(text)) throw textRefused();
        return text;
      }
      return text.replace(pattern, (word) => "*".repeat([...word].length));
    },
  };
}
