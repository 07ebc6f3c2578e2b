"""Study: ways of seeing a picture (values, squint, mirror, edges, where the eye goes,
composition lines), how it could be painted (Hertzmann's strokes, played back), and what
each VGG16 layer of a painting's style holds. Qt-free; the Study panel draws the results.
"""
