import { createApp } from './app-factory.ts';

createApp().app.synth();
