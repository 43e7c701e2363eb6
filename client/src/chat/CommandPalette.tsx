import { useQuery } from '@tanstack/react-query';
import { completeChatCommand } from '@weft/shared';
import { useState, type KeyboardEvent } from 'react';
import { workflowKeys, workflowsApi } from '../api/workflows';

export type PaletteOption = ReturnType<typeof completeChatCommand>[number];

/**
 * The `/` palette's state for a composer: the completions of what is typed (commands, then
 * workflow names), the highlighted one, and the keys that move and pick. Escape hides it until the
 * text changes. Workflow names load only once a command is typed.
 */
export function useCommandPalette({ text, onPick }: { text: string; onPick: (insert: string) => void }) {
  const [highlight, setHighlight] = useState(0);
  const [dismissedFor, setDismissedFor] = useState<string | null>(null);
  const wantsNames = text.startsWith('/');
  const workflows = useQuery({ queryKey: workflowKeys.list(), queryFn: ({ signal }) => workflowsApi.list(signal), enabled: wantsNames, staleTime: 30_000 });
  const names = (workflows.data ?? []).map((w) => (typeof w.definition.name === 'string' ? w.definition.name : w.id));
  const options = dismissedFor === text ? [] : completeChatCommand({ text, workflowNames: names }).filter((o) => o.insert !== text);
  const active = Math.min(highlight, Math.max(0, options.length - 1));

  const pick = (option: PaletteOption) => {
    setHighlight(0);
    onPick(option.insert);
  };

  /** Handles the palette's keys; true when the key was the palette's (the composer must not send). */
  const onKeyDown = (event: KeyboardEvent): boolean => {
    if (options.length === 0) return false;
    switch (event.key) {
      case 'ArrowDown':
        setHighlight((active + 1) % options.length);
        break;
      case 'ArrowUp':
        setHighlight((active - 1 + options.length) % options.length);
        break;
      case 'Enter':
      case 'Tab':
        if (event.shiftKey) return false;
        pick(options[active]!);
        break;
      case 'Escape':
        setDismissedFor(text);
        break;
      default:
        return false;
    }
    event.preventDefault();
    return true;
  };

  return { options, active, open: options.length > 0, pick, onKeyDown };
}

/** The palette's listbox; the textarea owns focus and points at the highlighted option (aria-activedescendant). */
export function CommandPalette({
  id,
  options,
  active,
  onPick,
}: {
  id: string;
  options: PaletteOption[];
  active: number;
  onPick: (option: PaletteOption) => void;
}) {
  return (
    <div id={id} role="listbox" aria-label="Commands and workflows" className="palette">
      {options.map((option, index) => (
        // biome-ignore lint/a11y/useFocusableInteractive: combobox pattern: focus stays in the textarea, which names the active option (aria-activedescendant).
        <div
          key={option.label}
          id={`${id}-${index}`}
          role="option"
          aria-selected={index === active}
          className={`palette__option${index === active ? ' palette__option--active' : ''}`}
          // mousedown, not click: the textarea keeps focus.
          onMouseDown={(event) => {
            event.preventDefault();
            onPick(option);
          }}
        >
          <span className="palette__label">{option.label}</span>
          <span className="palette__detail muted">{option.detail}</span>
        </div>
      ))}
    </div>
  );
}
