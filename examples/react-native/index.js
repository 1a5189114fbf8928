// examples/react-native/index.js: the app's entry, and the Android headless task that runs a
// background sync after the app was terminated (react-native-background-fetch `enableHeadless`).
import { backgroundFetchHeadlessTask } from '@syncline/react-native';
import { AppRegistry } from 'react-native';
import BackgroundFetch from 'react-native-background-fetch';
import { name } from './app.json';
import { App } from './src/App';
import { syncline } from './src/native';

AppRegistry.registerComponent(name, () => App);
BackgroundFetch.registerHeadlessTask(
  backgroundFetchHeadlessTask(BackgroundFetch, async () => {
    const s = syncline();
    await s.background.load();
    return s.background;
  }),
);
