import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';

// Before the first layout: the font list depends on the platform (app.css).
if (/Linux/.test(navigator.userAgent) && !/Android/.test(navigator.userAgent)) document.documentElement.dataset.platform = 'linux';

export default mount(App, { target: document.getElementById('app')! });
