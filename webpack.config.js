// Bundles www/ (page + worker) and the wasm-bindgen package in pkg/ into dist/.
// `make dist` runs this in production mode; `npm start` serves a development build.
const path = require('path');
const HtmlWebpackPlugin = require('html-webpack-plugin');

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
    },
  };
};
