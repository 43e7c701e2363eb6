// The base cascade, in order: tokens and shell first, then the shared component sheets. Feature sheets
// are imported by their own components (and so load with lazy pages, after these).
import './styles.css';
import './components/controls.css';
import './components/surfaces.css';
import './components/lists.css';
import './components/status.css';
