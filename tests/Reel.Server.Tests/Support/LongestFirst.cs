using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestCollectionOrderer("Reel.Server.Tests.Support.LongestFirst", "Reel.Server.Tests")]

namespace Reel.Server.Tests.Support;

/// <summary>
/// Marks a test class, or a collection definition, whose tests run one after another for a minute or more: the run
/// starts it before the short ones.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class RunsLongAttribute : Attribute;

/// <summary>
/// Starts the collections marked <see cref="RunsLongAttribute"/> first, then the rest in xunit's usual order. xunit
/// runs two collections at a time (maxParallelThreads) and starts the next when one ends; a long chain started late
/// (the browser collection, the cluster test) ran on alone at the end of the run while the other slot stood empty.
/// </summary>
public sealed class LongestFirst : ITestCollectionOrderer
{
    private const string ClassCollectionPrefix = "Test collection for ";

    // OrderBy is stable: within each group the collections keep xunit's order.
    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        new DefaultTestCollectionOrderer().OrderTestCollections(testCollections).OrderBy(c => !RunsLong(c));

    private static bool RunsLong(ITestCollection collection)
    {
        var type = collection.CollectionDefinition?.ToRuntimeType()
            ?? (collection.DisplayName.StartsWith(ClassCollectionPrefix, StringComparison.Ordinal)
                ? typeof(LongestFirst).Assembly.GetType(collection.DisplayName[ClassCollectionPrefix.Length..])
                : null);
        return type?.GetCustomAttribute<RunsLongAttribute>() is not null;
    }
}
