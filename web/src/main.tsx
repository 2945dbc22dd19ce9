// Entry point of the console: mounts the app.
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { adoptPathRoute } from './lib/router';
import './styles.css';

adoptPathRoute();
createRoot(document.getElementById('root')!).render(<App />);
