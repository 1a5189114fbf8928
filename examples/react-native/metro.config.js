// The @syncline/* packages are linked from ../../packages (file: dependencies): Metro watches
// them and resolves their exports to the built dist/ (run `npm run build` at the root first).
const path = require('node:path');
const { getDefaultConfig, mergeConfig } = require('@react-native/metro-config');

const root = path.resolve(__dirname, '../..');

module.exports = mergeConfig(getDefaultConfig(__dirname), {
  watchFolders: [path.join(root, 'packages')],
  resolver: {
    nodeModulesPaths: [path.join(__dirname, 'node_modules')],
    unstable_enablePackageExports: true,
  },
});
