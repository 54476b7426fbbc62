// Unit tests of the rendering code run in jsdom (no browser, no server).
export default {
  test: {
    environment: "jsdom",
    include: ["test/**/*.test.js"],
    restoreMocks: true,
  },
};
