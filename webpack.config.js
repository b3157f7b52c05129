// Bundles www/ (page + workers) and the wasm-bindgen package in pkg/ (the
// page's own module) into dist/, and copies the workers' builds (pkg-web/*,
// chosen at load by www/worker.js) and the digits' coding they fetch to dist/wasm/,
// and the service worker that
// isolates the page on hosts that cannot send COOP/COEP (coi-serviceworker,
// loaded first by index.html) to dist/coi-serviceworker.js.
// `make dist` runs this in production mode; `npm start` serves a development build.
const path = require('path');
const HtmlWebpackPlugin = require('html-webpack-plugin');
const CopyPlugin = require('copy-webpack-plugin');
const { ISOLATION_HEADERS } = require('./www/isolation.json');

module.exports = (env, argv) => {
  const production = argv.mode !== 'development';
  return {
    mode: production ? 'production' : 'development',
    entry: { main: './www/main.js' },
    output: {
      path: path.resolve(__dirname, 'dist'),
      filename: production ? '[name].[contenthash:8].js' : '[name].js',
      chunkFilename: production ? '[name].[contenthash:8].js' : '[name].js',
      webassemblyModuleFilename: production ? '[hash].module.wasm' : '[id].module.wasm',
      assetModuleFilename: '[name].[contenthash:8][ext]',
      publicPath: 'auto',
      clean: true,
    },
    // No eval-based source maps: the page's Content-Security-Policy forbids eval.
    devtool: production ? false : 'source-map',
    experiments: { asyncWebAssembly: true },
    module: {
      rules: [{ test: /\.(css|svg)$/, type: 'asset/resource' }],
    },
    plugins: [
      new HtmlWebpackPlugin({
        template: './index.html',
        inject: 'head',
        scriptLoading: 'defer',
        minify: false,
      }),
      new CopyPlugin({
        patterns: [
          {
            from: 'pkg-web',
            to: 'wasm',
            globOptions: { ignore: ['**/*.d.ts', '**/README.md', '**/package.json', '**/.gitignore'] },
            // As wasm-bindgen wrote them (the pool's worker script finds the module by its path).
            info: { minimized: true },
          },
          // The digits' coding the workers' builds fetch (www/builds.js; src/data/digits).
          { from: 'data/digits/digits.lrc', to: 'wasm/digits.lrc', info: { minimized: true } },
          { from: 'node_modules/coi-serviceworker/coi-serviceworker.min.js', to: 'coi-serviceworker.js', info: { minimized: true } },
        ],
      }),
    ],
    performance: {
      // The wasm module is the science; it is large by nature.
      maxAssetSize: 4 * 1024 * 1024,
      maxEntrypointSize: 4 * 1024 * 1024,
    },
    devServer: {
      host: '127.0.0.1',
      port: 8080,
      static: false,
      client: { overlay: false },
      headers: ISOLATION_HEADERS,
    },
  };
};
