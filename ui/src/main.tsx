import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { SessionProvider, takeSignInLinkToken } from './session';
import './styles.css';

// before anything renders: the token leaves the address bar first
const linkToken = takeSignInLinkToken();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionProvider linkToken={linkToken}>
      <App />
    </SessionProvider>
  </StrictMode>,
);
