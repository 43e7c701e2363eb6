import { Icon } from '../../components/icons';

/** The composer's Undo glyph. */
export function UndoIcon() {
  return (
    <Icon size={14}>
      <path d="M5.5 3.5 2.5 6.5l3 3" />
      <path d="M2.5 6.5h7a4 4 0 0 1 0 8H7" />
    </Icon>
  );
}
