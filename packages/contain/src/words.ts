/**
 * Splits a command line into words as a POSIX shell does, without any
 * expansion: blanks separate words, single quotes keep everything, double
 * quotes keep everything but \" \\ \$ \` and a backslash keeps the next
 * character. Returns the words, or a reason the text is not a command.
 */
export function splitWords(text: string): string[] | { error: string } {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return { error: 'a single quote is not closed' };
      word = (word ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      let quoted = '';
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && '"\\$`'.includes(text[j + 1] ?? '')) j++;
        quoted += text[j];
      }
      if (j >= text.length) return { error: 'a double quote is not closed' };
      word = (word ?? '') + quoted;
      i = j;
    } else if (c === '\\') {
      if (i + 1 >= text.length) return { error: 'it ends in a backslash' };
      word = (word ?? '') + text[++i];
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}
